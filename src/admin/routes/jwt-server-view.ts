/**
 * How the JWT server routes show and check an entry: the API view (never the shared secret),
 * the multi-tenant issuer policy, and change-log details without the secret.
 */
import type { z } from 'zod';
import type { JwtServerRecord } from '../../store/types.js';
import { policyRefusal, policyWarnings } from '../auth/jwt-server-policy.js';
import { AdminError } from '../errors.js';
import type { JwtServerView } from '../schemas.js';
import { fieldIssue } from '../validation.js';

/** The API view of a JWT server (never the shared secret). */
export function jwtServerView(s: JwtServerRecord): z.infer<typeof JwtServerView> {
  return {
    id: s.id,
    name: s.name,
    issuer: s.issuer,
    jwksUrl: s.jwksUrl,
    hasSharedSecret: s.sharedSecretCiphertext !== null,
    audience: s.audience,
    role: s.role,
    usernameClaim: s.usernameClaim,
    requiredClaims: s.requiredClaims,
    maxTokenLifetimeSeconds: s.maxTokenLifetimeSeconds,
    enabled: s.enabled,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    warnings: policyWarnings(s),
  };
}

/** Refuses (400) an entry that would trust every tenant of a shared issuer. */
export function checkPolicy(
  server: Pick<JwtServerRecord, 'issuer' | 'role' | 'requiredClaims'>,
): void {
  const refusal = policyRefusal(server);
  if (refusal) {
    throw new AdminError('VALIDATION_FAILED', refusal, {
      extra: { errors: [fieldIssue('requiredClaims', refusal)] },
    });
  }
}

/** Change-log details of a request body: a shared secret shows as `[set]`, never its value. */
export function auditable(v: Record<string, unknown>): Record<string, unknown> {
  const { sharedSecret, ...rest } = v;
  return sharedSecret === undefined ? rest : { ...rest, sharedSecret: '[set]' };
}
