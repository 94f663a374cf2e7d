/**
 * The admin API's authenticator: a bearer token is either one of our own session tokens
 * (iss 'portcullis-admin') or one from a configured external JWT server (selected by `iss`).
 * Returns an identity or throws a coded 401/403 — never a 500 for a bad or foreign token.
 */
import type { FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import type { AccountRole, Store } from '../../store/types.js';
import { AdminError } from '../errors.js';
import { EXTERNAL_REFUSAL_DETAIL, type ExternalJwtVerifier } from './external.js';
import { sessionMaxSeconds } from './session-lifetime.js';
import { SESSION_ISSUER, type SessionKey, verifySessionToken } from './session-tokens.js';

/** Who is calling, after authentication. */
export interface Principal {
  username: string;
  /** Account id (local tokens only): sessions are bound to it, never to the username. */
  accountId?: string;
  /** The session's account epoch and start, epoch seconds (local tokens only). */
  sessionEpoch?: number;
  authTime?: number;
  role: AccountRole;
  source: 'local' | 'external';
  /** Session token id (local tokens only). */
  jti?: string;
  /** Token expiry, epoch seconds. */
  exp?: number;
  mustChangePassword: boolean;
  /** External JWT server id (external tokens only). */
  serverId?: string;
}

/** What the authenticator needs. */
export interface AuthenticatorDeps {
  store: Store;
  sessionKey: () => Promise<SessionKey>;
  external: ExternalJwtVerifier;
  now: () => number;
}

const MAX_TOKEN_LENGTH = 16 * 1024;

/** Extracts the bearer token from an Authorization header, or throws UNAUTHENTICATED. */
export function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer +([^\s]+) *$/i.exec(header) : null;
  if (!match?.[1]) throw new AdminError('UNAUTHENTICATED');
  if (match[1].length > MAX_TOKEN_LENGTH) {
    throw new AdminError('UNAUTHENTICATED', 'The bearer token is too long.');
  }
  return match[1];
}

/** Verifies the request's bearer token and returns the principal. */
export async function authenticateRequest(
  deps: AuthenticatorDeps,
  request: FastifyRequest,
): Promise<Principal> {
  const token = bearerToken(request);
  let issuer: unknown;
  try {
    // Unverified peek only to choose the verifier; nothing from it is trusted before the signature.
    issuer = decodeJwt(token).iss;
  } catch {
    throw new AdminError('UNAUTHENTICATED', 'The bearer token is not a JWT.');
  }
  const nowMs = deps.now();
  if (issuer === SESSION_ISSUER) return authenticateSession(deps, token, Math.floor(nowMs / 1000));
  if (typeof issuer !== 'string' || issuer === '') {
    throw new AdminError('UNAUTHENTICATED', 'The bearer token has no issuer.');
  }
  const server = await deps.store.jwtServers.getByIssuer(issuer);
  if (!server?.enabled) {
    // The same answer as any refused external token: an unknown issuer is not an oracle.
    throw new AdminError('UNAUTHENTICATED', EXTERNAL_REFUSAL_DETAIL);
  }
  const identity = await deps.external.verify(
    server,
    token,
    new Date(nowMs),
    await sessionMaxSeconds(deps.store),
  );
  return {
    username: identity.username,
    role: identity.role,
    source: 'external',
    ...(identity.exp === undefined ? {} : { exp: identity.exp }),
    mustChangePassword: false,
    serverId: server.id,
  };
}

/**
 * A local session is valid while its account (by id) exists and is enabled, its epoch is the
 * account's current one (password, role and disabled changes bump it) and it is younger than
 * the absolute session lifetime.
 */
async function authenticateSession(
  deps: AuthenticatorDeps,
  token: string,
  nowSec: number,
): Promise<Principal> {
  const claims = await verifySessionToken(await deps.sessionKey(), deps.store, token, nowSec);
  const account = await deps.store.accounts.get(claims.accountId);
  if (!account || account.disabled) {
    throw new AdminError(
      'UNAUTHENTICATED',
      'The account of this token no longer exists or is disabled.',
    );
  }
  if (claims.epoch !== account.sessionEpoch) throw new AdminError('SESSION_ENDED');
  if (nowSec >= claims.authTime + (await sessionMaxSeconds(deps.store))) {
    throw new AdminError('SESSION_LIFETIME_EXCEEDED');
  }
  // The current role wins over the role at sign-in (a role change also ends the session).
  return {
    username: account.username,
    accountId: account.id,
    sessionEpoch: claims.epoch,
    authTime: claims.authTime,
    role: account.role,
    source: 'local',
    jti: claims.jti,
    exp: claims.exp,
    mustChangePassword: account.mustChangePassword,
  };
}
