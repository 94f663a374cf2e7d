/**
 * Schemas of the JWT configuration routes (/api/v1/jwt-configurations): create, patch, rotate,
 * signed URLs, and the view the API answers with (never the private key).
 */
import { z } from 'zod';
import { parseDuration } from '../../token/duration.js';

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
      ctx.addIssue({ code: 'custom', message: 'must be a duration such as 15m, 1h or 1d' });
      return z.NEVER;
    }
    if (seconds < TOKEN_EXPIRY_BOUNDS.min || seconds > TOKEN_EXPIRY_BOUNDS.max) {
      ctx.addIssue({ code: 'custom', message: 'must be between 1 minute (1m) and 30 days (30d)' });
      return z.NEVER;
    }
    return seconds;
  });

const DisplayName = z.string().trim().min(1).max(100);
const Pem = z
  .string()
  .min(1)
  .max(64 * 1024);

/** Key material for create/rotate: an uploaded PEM, DER, OpenSSH or JWK key, or a generated one. */
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
  .refine((v) => Object.keys(v).length > 0, { message: 'Nothing to change: send a field.' });

/** POST /api/v1/jwt-configurations/:id/rotate (JSON). */
export const RotateBody = z.strictObject({ key: KeyInput.default({ generate: { bits: 2048 } }) });

/** POST /api/v1/jwt-configurations/:id/signed-urls */
export const SignedUrlBody = z.union([
  z.strictObject({ url: z.url({ protocol: /^https?$/ }).max(4096) }),
  z.strictObject({ path: z.string().min(1).max(4096) }),
]);

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
  /** The "Default" configuration the zero-config start created (read-only). */
  zeroConfig: z.boolean(),
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

/** GET /api/v1/jwt-configurations/presets */
export const PresetsView = z.object({
  presets: z.array(z.object({ label: z.string(), seconds: z.number() })),
  minSeconds: z.number(),
  maxSeconds: z.number(),
  default: z.string(),
});
