/**
 * Schemas of external JWT servers (/api/v1/jwt-servers): exactly one of a JWKS URL
 * (RS256/ES256) or a shared secret (HS256); the secret is never part of a view.
 */
import { z } from 'zod';
import {
  DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  MAX_TOKEN_LIFETIME_SECONDS,
  REQUIRED_CLAIMS_LIMITS,
  RESERVED_CLAIMS,
} from '../auth/jwt-server-policy.js';
import { Role } from './common.js';

const JwksUrl = z.url({ protocol: /^https?$/ }).max(2048);
const SharedSecret = z.string().min(32, 'must be at least 32 characters (256 bits)').max(1024);

const L = REQUIRED_CLAIMS_LIMITS;
const ClaimName = z
  .string()
  .min(1)
  .max(L.name)
  .regex(/^[\x21-\x7e]+$/, 'Required claims: claim names are printable ASCII without spaces.')
  .refine((name) => !RESERVED_CLAIMS.includes(name), {
    message: `Required claims: ${RESERVED_CLAIMS.join(', ')} are checked already; require other claims.`,
  })
  .refine((name) => !['__proto__', 'constructor', 'prototype'].includes(name), {
    message: 'Required claims: that claim name is not allowed.',
  });
const ClaimValue = z.string().min(1).max(L.value);
/** Claim → the one accepted string, or a list of accepted strings (exact match). */
const RequiredClaims = z
  .record(ClaimName, z.union([ClaimValue, z.array(ClaimValue).min(1).max(L.values)]))
  .refine((v) => Object.keys(v).length <= L.entries, {
    message: `must name at most ${L.entries} claims`,
  })
  .meta({
    description:
      'Claims every token must carry as strings, each equal to the value or one of the values given',
    example: { repository_owner: 'acme', ref: ['refs/heads/main'] },
  });
const MaxTokenLifetime = z
  .number()
  .int()
  .min(60)
  .max(MAX_TOKEN_LIFETIME_SECONDS)
  .meta({ description: 'Longest accepted exp - iat of a token, in seconds' });

const JwtServerFields = {
  name: z.string().trim().min(1).max(100),
  issuer: z.string().min(1).max(512),
  audience: z.string().min(1).max(512),
  role: Role.default('read-only'),
  usernameClaim: z.string().min(1).max(100).default('sub'),
  requiredClaims: RequiredClaims.default({}),
  maxTokenLifetimeSeconds: MaxTokenLifetime.default(DEFAULT_MAX_TOKEN_LIFETIME_SECONDS),
  enabled: z.boolean().default(true),
};

/** POST /api/v1/jwt-servers: exactly one of jwksUrl (RS256/ES256) or sharedSecret (HS256). */
export const CreateJwtServerBody = z
  .strictObject({
    ...JwtServerFields,
    jwksUrl: JwksUrl.optional(),
    sharedSecret: SharedSecret.optional(),
  })
  .refine((v) => (v.jwksUrl === undefined) !== (v.sharedSecret === undefined), {
    message: 'or a shared secret is required: give exactly one of the two',
    path: ['jwksUrl'],
  });

/** PATCH /api/v1/jwt-servers/:id */
export const PatchJwtServerBody = z
  .strictObject({
    name: JwtServerFields.name.optional(),
    issuer: JwtServerFields.issuer.optional(),
    audience: JwtServerFields.audience.optional(),
    role: Role.optional(),
    usernameClaim: z.string().min(1).max(100).optional(),
    requiredClaims: RequiredClaims.optional(),
    maxTokenLifetimeSeconds: MaxTokenLifetime.optional(),
    enabled: z.boolean().optional(),
    jwksUrl: JwksUrl.optional(),
    sharedSecret: SharedSecret.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'Nothing to change: send a field.' })
  .refine((v) => !(v.jwksUrl !== undefined && v.sharedSecret !== undefined), {
    message: 'and a shared secret cannot both be set: give one of the two',
    path: ['jwksUrl'],
  });

/** A JWT server as the API shows it (the shared secret is never returned). */
export const JwtServerView = z.object({
  id: z.string(),
  name: z.string(),
  issuer: z.string(),
  jwksUrl: z.string().nullable(),
  hasSharedSecret: z.boolean(),
  audience: z.string(),
  role: Role,
  usernameClaim: z.string(),
  requiredClaims: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  maxTokenLifetimeSeconds: z.number(),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Risky but allowed settings, e.g. role admin without requiredClaims. */
  warnings: z.array(z.string()),
});
