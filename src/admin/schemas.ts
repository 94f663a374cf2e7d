/**
 * Zod schemas of the admin API: the single source for request validation and for the
 * OpenAPI document. Request objects are strict (unknown fields are refused with 400).
 */
import { z } from 'zod';
import { parseDuration } from '../token/duration.js';
import {
  DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  MAX_TOKEN_LIFETIME_SECONDS,
  REQUIRED_CLAIMS_LIMITS,
  RESERVED_CLAIMS,
} from './auth/jwt-server-policy.js';
import { MAX_SESSION_MAX_HOURS, MIN_SESSION_MAX_HOURS } from './auth/session-lifetime.js';

/** Token lifetime presets offered by the console (Jamf-friendly values). */
export const TOKEN_EXPIRY_PRESETS = ['5m', '15m', '30m', '1h', '4h', '12h', '1d', '1w'] as const;
/** Shortest and longest allowed token lifetime (seconds). */
export const TOKEN_EXPIRY_BOUNDS = { min: 60, max: 30 * 86_400 } as const;

/** A token lifetime: preset, duration text ('90m', '2h30m') or seconds; 1 minute to 30 days. */
export const TokenExpiry = z
  .union([z.string().max(32), z.number().int()])
  .transform((value, ctx) => {
    let seconds: number;
    try {
      seconds = parseDuration(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a duration (use e.g. 15m, 1h, 1d or seconds)' });
      return z.NEVER;
    }
    if (seconds < TOKEN_EXPIRY_BOUNDS.min || seconds > TOKEN_EXPIRY_BOUNDS.max) {
      ctx.addIssue({ code: 'custom', message: 'must be between 1m and 30d' });
      return z.NEVER;
    }
    return seconds;
  });

const DisplayName = z.string().trim().min(1).max(100);
const Pem = z
  .string()
  .min(1)
  .max(64 * 1024);

/** Key material for create/rotate: an uploaded key (any form the key reader takes) or a generated one. */
export const KeyInput = z.union([
  z.strictObject({ pem: Pem, passphrase: z.string().max(1024).optional() }),
  z.strictObject({
    generate: z.strictObject({
      bits: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]).default(2048),
    }),
  }),
]);

/** POST /api/v1/jwt-configurations (JSON). */
export const CreateConfigurationBody = z.strictObject({
  displayName: DisplayName,
  key: KeyInput.default({ generate: { bits: 2048 } }),
  tokenExpiry: TokenExpiry.default(15 * 60),
  enabled: z.boolean().default(true),
});

/** PATCH /api/v1/jwt-configurations/:id */
export const PatchConfigurationBody = z
  .strictObject({
    displayName: DisplayName.optional(),
    tokenExpiry: TokenExpiry.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to change' });

/** POST /api/v1/jwt-configurations/:id/rotate (JSON). */
export const RotateBody = z.strictObject({ key: KeyInput.default({ generate: { bits: 2048 } }) });

/** POST /api/v1/jwt-configurations/:id/signed-urls */
export const SignedUrlBody = z.union([
  z.strictObject({ url: z.url({ protocol: /^https?$/ }).max(4096) }),
  z.strictObject({ path: z.string().min(1).max(4096) }),
]);

/** `{ id }` path parameter. */
export const IdParams = z.strictObject({ id: z.string().min(1).max(100) });

/** What the API returns for a configuration (never the private key). */
export const ConfigurationView = z.object({
  id: z.string(),
  displayName: z.string(),
  fingerprint: z.string(),
  kid: z.string(),
  keyBits: z.number(),
  publicKeyPem: z.string(),
  jwk: z.object({
    kty: z.string(),
    n: z.string(),
    e: z.string(),
    kid: z.string(),
    alg: z.string(),
    use: z.string(),
  }),
  certificatePem: z.string().nullable(),
  tokenExpiry: z.string(),
  tokenExpirySeconds: z.number(),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  rotatedAt: z.string().nullable(),
  createdBy: z.string().nullable(),
  /** Create and rotate only: findings about the change (e.g. KEY_ALREADY_CONFIGURED). */
  warnings: z
    .array(
      z.object({
        code: z.string(),
        message: z.string(),
        configurations: z.array(z.object({ id: z.string(), displayName: z.string() })),
      }),
    )
    .optional(),
});

/** `{ url, expiresAt }` */
export const SignedUrlView = z.object({ url: z.string(), expiresAt: z.string() });

const Role = z.enum(['admin', 'read-only']);
const Username = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only');
const Password = z.string().min(12, 'at least 12 characters').max(1024);

/** Bearer token response (Jamf Pro API shape). */
export const TokenView = z.object({ token: z.string(), expires: z.string() });

/** GET /api/v1/auth */
export const WhoAmIView = z.object({
  username: z.string(),
  role: Role,
  source: z.enum(['local', 'external']),
  expires: z.string().nullable(),
  mustChangePassword: z.boolean(),
});

/** POST /api/v1/auth/change-password */
export const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().max(1024),
  newPassword: Password,
});

/** POST /api/v1/accounts */
export const CreateAccountBody = z.strictObject({
  username: Username,
  password: Password,
  role: Role.default('read-only'),
  mustChangePassword: z.boolean().default(true),
});

/** PATCH /api/v1/accounts/:id */
export const PatchAccountBody = z
  .strictObject({
    role: Role.optional(),
    disabled: z.boolean().optional(),
    password: Password.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to change' });

/** An account as the API shows it (never the hash). */
export const AccountView = z.object({
  id: z.string(),
  username: z.string(),
  role: Role,
  disabled: z.boolean(),
  mustChangePassword: z.boolean(),
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
});

const JwksUrl = z.url({ protocol: /^https?$/ }).max(2048);
const SharedSecret = z.string().min(32, 'at least 32 characters (256 bits)').max(1024);

const L = REQUIRED_CLAIMS_LIMITS;
const ClaimName = z
  .string()
  .min(1)
  .max(L.name)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .refine((name) => !RESERVED_CLAIMS.includes(name), {
    message: `${RESERVED_CLAIMS.join(', ')} are checked already; require other claims`,
  })
  .refine((name) => !['__proto__', 'constructor', 'prototype'].includes(name), {
    message: 'not a claim name',
  });
const ClaimValue = z.string().min(1).max(L.value);
/** Claim → the one accepted string, or a list of accepted strings (exact match). */
const RequiredClaims = z
  .record(ClaimName, z.union([ClaimValue, z.array(ClaimValue).min(1).max(L.values)]))
  .refine((v) => Object.keys(v).length <= L.entries, {
    message: `at most ${L.entries} required claims`,
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
    message: 'give exactly one of jwksUrl or sharedSecret',
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
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to change' })
  .refine((v) => !(v.jwksUrl !== undefined && v.sharedSecret !== undefined), {
    message: 'give at most one of jwksUrl or sharedSecret',
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

const Time = z.union([z.coerce.number().int().nonnegative(), z.iso.datetime({ offset: true })]);

/** GET /api/v1/audit */
export const AuditQueryParams = z.strictObject({
  path: z.string().max(4096).optional(),
  outcome: z.string().max(64).optional(),
  since: Time.optional(),
  until: Time.optional(),
  configurationId: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(200).optional(),
});

/** GET /api/v1/audit/stats */
export const AuditStatsParams = z.strictObject({
  since: Time.optional(),
  bucket: z.enum(['1m', '5m', '15m', '1h', '6h', '1d']).default('1h'),
});

/** GET /api/v1/changes */
export const ChangesQueryParams = z.strictObject({
  since: Time.optional(),
  actor: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(200).optional(),
});

/** GET/PUT /api/v1/settings */
export const SettingsBody = z.strictObject({
  /** Days of audit history to keep; 0 keeps everything. */
  auditRetentionDays: z.number().int().min(0).max(3650).optional(),
  /** Most audit rows kept (oldest go first); 0 sets no row limit. */
  auditMaxRows: z.number().int().min(0).max(1_000_000_000).optional(),
  /** Age in days after which the console flags a configuration's key for rotation. */
  keyRotationDays: z.number().int().min(1).max(3650).optional(),
  /** Absolute lifetime of an admin session in hours: keep-alive never renews past it. */
  sessionMaxHours: z
    .number()
    .int()
    .min(MIN_SESSION_MAX_HOURS)
    .max(MAX_SESSION_MAX_HOURS)
    .optional(),
});

/** Settings as returned (with defaults filled in). */
export const SettingsView = z.object({
  auditRetentionDays: z.number(),
  auditMaxRows: z.number(),
  keyRotationDays: z.number(),
  sessionMaxHours: z.number(),
});

/** Setting name and default of the key rotation age the dashboard warns about. */
export const KEY_ROTATION_SETTING = 'keyRotationDays';
export const DEFAULT_KEY_ROTATION_DAYS = 365;
