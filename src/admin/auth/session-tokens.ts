/**
 * Bearer tokens for the admin API (the Jamf Pro API pattern: Basic → token, keep-alive,
 * invalidate). Signed RS256 by the server's own key, which lives encrypted in the store settings
 * so every process sharing the data directory accepts the same tokens.
 */

import type { KeyObject } from 'node:crypto';
import { createPrivateKey, createPublicKey, generateKeyPair, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { decryptSecret, encryptSecret } from '../../store/secret.js';
import type { AccountRole, Store } from '../../store/types.js';
import { AdminError } from '../errors.js';

/** Issuer of admin session tokens. */
export const SESSION_ISSUER = 'portcullis-admin';
/** Audience of admin session tokens. */
export const SESSION_AUDIENCE = 'portcullis-admin-api';
/** Lifetime of an admin session token: 30 minutes, like Jamf Pro's API tokens. */
export const SESSION_LIFETIME_SECONDS = 30 * 60;

const SETTING = 'admin.sessionSigningKey';
const CONTEXT = 'settings:admin.sessionSigningKey';

/** The server's own session-signing key pair. */
export interface SessionKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  kid: string;
}

/** Loads the session key from the store, creating (and persisting, encrypted) one on first use. */
export async function loadOrCreateSessionKey(
  store: Store,
  secret: Uint8Array,
): Promise<SessionKey> {
  let stored = await store.settings.get(SETTING);
  if (!stored) {
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    const sealed = encryptSecret(
      secret,
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      CONTEXT,
    );
    // Check-and-set in one transaction: two processes starting together must end with one key.
    await store.transaction(async () => {
      if (!(await store.settings.get(SETTING))) await store.settings.set(SETTING, sealed);
    });
    stored = await store.settings.get(SETTING);
  }
  const pem = new TextDecoder().decode(decryptSecret(secret, stored ?? '', CONTEXT));
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n ?? '', e: jwk.e ?? '' });
  return { privateKey, publicKey, kid };
}

/** What a session token is bound to: the account (by id, never by name) and its epoch. */
export interface SessionSubject {
  accountId: string;
  /** Shown by who-am-I and the change log; never used to find the account. */
  username: string;
  role: AccountRole;
  /** The account's `sessionEpoch` when the session began; a later bump ends the session. */
  epoch: number;
  /** When the session began (sign-in), epoch seconds; keep-alive carries it over unchanged. */
  authTime: number;
}

/** Claims of a verified session token. */
export interface SessionClaims extends SessionSubject {
  jti: string;
  exp: number;
}

/**
 * Signs a new session token for `subject`; returns the token and its expiry (epoch seconds).
 * The expiry never passes `subject.authTime + maxLifetimeSeconds`, so keep-alive cannot stretch
 * a session beyond its absolute lifetime.
 */
export async function issueSessionToken(
  key: SessionKey,
  subject: SessionSubject,
  nowSec: number,
  maxLifetimeSeconds: number,
): Promise<{ token: string; exp: number; jti: string }> {
  const jti = randomUUID();
  const exp = Math.min(nowSec + SESSION_LIFETIME_SECONDS, subject.authTime + maxLifetimeSeconds);
  const token = await new SignJWT({
    role: subject.role,
    name: subject.username,
    ep: subject.epoch,
    auth_time: subject.authTime,
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
    .setSubject(subject.accountId)
    .setJti(jti)
    .setIssuer(SESSION_ISSUER)
    .setAudience(SESSION_AUDIENCE)
    .setIssuedAt(nowSec)
    .setExpirationTime(exp)
    .sign(key.privateKey);
  return { token, exp, jti };
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Verifies a session token (signature first, then claims, then revocation). */
export async function verifySessionToken(
  key: SessionKey,
  store: Store,
  token: string,
  nowSec: number,
): Promise<SessionClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key.publicKey, {
      algorithms: ['RS256'],
      issuer: SESSION_ISSUER,
      audience: SESSION_AUDIENCE,
      currentDate: new Date(nowSec * 1000),
      requiredClaims: ['sub', 'jti', 'exp', 'ep', 'auth_time'],
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw new AdminError('TOKEN_EXPIRED');
    throw new AdminError('UNAUTHENTICATED', 'The bearer token is not valid.');
  }
  const { sub, jti, exp, role, name, ep, auth_time: authTime } = payload;
  if (
    typeof sub !== 'string' ||
    typeof jti !== 'string' ||
    typeof exp !== 'number' ||
    !isCount(ep) ||
    !isCount(authTime)
  ) {
    throw new AdminError('UNAUTHENTICATED', 'The bearer token is not valid.');
  }
  if (await store.revokedTokens.isRevoked(jti)) throw new AdminError('TOKEN_INVALIDATED');
  return {
    accountId: sub,
    username: typeof name === 'string' ? name : '',
    role: role === 'admin' ? 'admin' : 'read-only',
    epoch: ep,
    authTime,
    jti,
    exp,
  };
}
