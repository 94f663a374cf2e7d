/**
 * The checks an external JWT passes after its signature, and the stable code of every way it can
 * fail. The verifier (external.ts) answers anonymous callers with one generic 401 whatever the
 * code; the codes go to the log and to the admin-only "Test connection" report
 * (routes/jwt-server-test.ts), where naming the failed check is the point.
 */
import { type JWTPayload, errors as joseErrors } from 'jose';
import type { JwtServerRecord } from '../../store/types.js';
import { unmetClaim } from './jwt-server-policy.js';
import { JwksUnavailable } from './remote-jwks.js';

/** Why an external token is refused (stable; listed in docs/admin-api.md). */
export type ExternalRefusalCode =
  | 'SERVER_POLICY_REFUSED'
  | 'SERVER_DISABLED'
  | 'TOKEN_MALFORMED'
  | 'ALGORITHM_NOT_ALLOWED'
  | 'KEY_NOT_FOUND'
  | 'SIGNATURE_INVALID'
  | 'JWKS_UNAVAILABLE'
  | 'SECRET_UNREADABLE'
  | 'ISSUER_MISMATCH'
  | 'AUDIENCE_MISMATCH'
  | 'CLAIM_MISSING'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  | 'ISSUED_IN_FUTURE'
  | 'LIFETIME_TOO_LONG'
  | 'REQUIRED_CLAIM_MISMATCH'
  | 'USERNAME_CLAIM_UNUSABLE'
  | 'TOKEN_REFUSED';

/** A refusal: its code and a short reason naming the check (never the token). */
export interface ExternalRefusal {
  code: ExternalRefusalCode;
  reason: string;
}

/** Clock drift tolerated between the IdP and Portcullis (matches the content listener's leeway). */
export const EXTERNAL_CLOCK_TOLERANCE_SECONDS = 60;

/** jwtVerify options for `server` at `now` with the effective lifetime cap. */
export function externalVerifyOptions(server: JwtServerRecord, now: Date, maxLifetime: number) {
  return {
    issuer: server.issuer,
    audience: server.audience,
    currentDate: now,
    clockTolerance: EXTERNAL_CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['exp', 'iat'],
    // Also refuses an iat in the future, which would otherwise stretch exp - iat past now.
    maxTokenAge: maxLifetime,
  };
}

/** Why a signature-verified payload is still refused (lifetime, required claims), or undefined. */
export function claimRefusal(
  server: JwtServerRecord,
  payload: JWTPayload,
  maxLifetime: number,
): ExternalRefusal | undefined {
  // jose has checked both are numbers and iat is not in the future.
  const lifetime = (payload.exp as number) - (payload.iat as number);
  if (lifetime > maxLifetime) {
    return {
      code: 'LIFETIME_TOO_LONG',
      reason: `lifetime ${lifetime}s (exp - iat) exceeds ${maxLifetime}s`,
    };
  }
  const unmet = unmetClaim(payload, server.requiredClaims);
  return unmet === undefined
    ? undefined
    : { code: 'REQUIRED_CLAIM_MISMATCH', reason: `required claim "${unmet}" does not match` };
}

/** The refusal a verification error stands for. */
export function refusalOf(err: unknown, now: Date): ExternalRefusal {
  if (err instanceof JwksUnavailable) {
    return { code: 'JWKS_UNAVAILABLE', reason: 'no usable JWKS could be fetched' };
  }
  if (err instanceof joseErrors.JWTExpired) return { code: 'TOKEN_EXPIRED', reason: 'exp passed' };
  if (err instanceof joseErrors.JWTClaimValidationFailed) return claimFailure(err, now);
  if (err instanceof joseErrors.JOSEAlgNotAllowed) {
    return { code: 'ALGORITHM_NOT_ALLOWED', reason: err.message };
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) {
    return { code: 'KEY_NOT_FOUND', reason: 'no key of the JWKS matches the token (kid, alg)' };
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return { code: 'SIGNATURE_INVALID', reason: 'signature verification failed' };
  }
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) {
    return { code: 'TOKEN_MALFORMED', reason: err.message };
  }
  if (err && typeof err === 'object' && 'code' in err && err.code === 'STORE_SECRET_MISMATCH') {
    return {
      code: 'SECRET_UNREADABLE',
      reason: 'its shared secret cannot be decrypted with this server secret',
    };
  }
  return {
    code: 'TOKEN_REFUSED',
    reason: err instanceof Error ? err.message : 'verification failed',
  };
}

function claimFailure(err: InstanceType<typeof joseErrors.JWTClaimValidationFailed>, now: Date) {
  const detail = `claim "${err.claim}" check failed (${err.reason})`;
  if (err.reason === 'missing') return refusal('CLAIM_MISSING', detail);
  if (err.claim === 'iss') return refusal('ISSUER_MISMATCH', detail);
  if (err.claim === 'aud') return refusal('AUDIENCE_MISMATCH', detail);
  if (err.claim === 'nbf') return refusal('TOKEN_NOT_YET_VALID', detail);
  if (err.claim === 'iat') {
    // maxTokenAge: an iat older than the lifetime cap, or one in the future.
    const iat = err.payload.iat;
    const future = typeof iat === 'number' && iat * 1000 > now.getTime();
    return refusal(future ? 'ISSUED_IN_FUTURE' : 'LIFETIME_TOO_LONG', detail);
  }
  return refusal('TOKEN_REFUSED', detail);
}

function refusal(code: ExternalRefusalCode, reason: string): ExternalRefusal {
  return { code, reason };
}
