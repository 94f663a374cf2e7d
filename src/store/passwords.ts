/**
 * Password hashing with scrypt (N=2^15, r=8, p=1, 16-byte salt, 32-byte hash), stored as the
 * self-describing string 'scrypt$N$r$p$salt$hash' (base64url parts) so parameters can be
 * raised later without breaking existing hashes. The work runs in the dedicated hasher thread
 * (password-hasher.ts), never on libuv's pool, with a bounded queue.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { StoreError } from './errors.js';
import { passwordHasher } from './password-hasher.js';

/** Minimum and maximum password length, in Unicode code points. */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
// scrypt needs 128·N·r bytes; above that a crafted hash string could exhaust memory.
const MAX_N = 2 ** 20;

function derive(password: string, salt: Buffer, N: number, r: number, p: number, len: number) {
  return passwordHasher.derive({
    password: password.normalize('NFC'),
    salt,
    N,
    r,
    p,
    keyLength: len,
    maxmem: 256 * N * r,
  });
}

/** Throws STORE_PASSWORD_TOO_SHORT / STORE_PASSWORD_TOO_LONG for passwords outside policy. */
export function assertPasswordPolicy(password: string): void {
  if (typeof password !== 'string') throw new TypeError('password must be a string');
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) {
    throw new StoreError(
      'STORE_PASSWORD_TOO_SHORT',
      `Passwords must be at least ${MIN_PASSWORD_LENGTH} characters long (got ${length}).`,
    );
  }
  if (length > MAX_PASSWORD_LENGTH) throw new StoreError('STORE_PASSWORD_TOO_LONG');
}

/**
 * Hashes a password that satisfies the policy (STORE_PASSWORD_HASHER_BUSY when the queue is full).
 * @example const hash = await hashPassword('correct horse battery staple');
 */
export async function hashPassword(password: string): Promise<string> {
  assertPasswordPolicy(password);
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS.N, PARAMS.r, PARAMS.p, KEY_LENGTH);
  return [
    'scrypt',
    PARAMS.N,
    PARAMS.r,
    PARAMS.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

/**
 * True when `password` matches `hash`; false for a wrong password or a malformed hash.
 * Rejects with STORE_PASSWORD_HASHER_BUSY when too many checks are already queued.
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (typeof password !== 'string' || typeof hash !== 'string') return false;
  const m =
    /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{16,})$/.exec(
      hash,
    );
  if (!m || [...password].length > MAX_PASSWORD_LENGTH) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 2 || N > MAX_N || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  const actual = await derive(password, Buffer.from(m[4]!, 'base64url'), N, r, p, expected.length);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
