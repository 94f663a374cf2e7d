/**
 * Minting tokens (node:crypto). The default output is byte-for-byte what Jamf Pro sends:
 * header {"alg":"RS256"} and payload {"sub":"AppManifest","iss":"JSS","exp":N} in that order,
 * so tests and `portcullis sign` exercise exactly the shape production sees.
 */
import { sign as cryptoSign, KeyObject } from 'node:crypto';
import { encodeBase64Url } from './base64url.js';
import { parseDuration } from './duration.js';

/** What to put in a token. */
export interface SignOptions {
  /** Lifetime as seconds or a duration ('15m', '1h'). Default '15m'. */
  expiresIn?: number | string;
  /** Issue time in seconds; default now. */
  now?: number;
  issuer?: string;
  subject?: string;
  audience?: string | string[];
  kid?: string;
  /** Extra private claims; may not redefine sub/iss/exp/aud/nbf/iat. */
  claims?: Record<string, unknown>;
  notBefore?: number;
  /** Add iat. Default false: Jamf sends none. */
  issuedAt?: boolean;
}

const REGISTERED = new Set(['sub', 'iss', 'exp', 'aud', 'nbf', 'iat']);

/** Throws TypeError unless `key` is an RSA private KeyObject of at least 2048 bits. */
export function assertRsaSigningKey(key: unknown): asserts key is KeyObject {
  if (!(key instanceof KeyObject) || key.type !== 'private') {
    throw new TypeError('signToken needs an RSA private key (KeyObject)');
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new TypeError(`signToken needs an RSA key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) throw new TypeError(`RSA key is ${bits} bits; at least 2048 are required`);
}

function buildClaims(opts: SignOptions, now: number): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    sub: opts.subject ?? 'AppManifest',
    iss: opts.issuer ?? 'JSS',
    exp: now + parseDuration(opts.expiresIn ?? '15m'),
  };
  if (opts.audience !== undefined) payload.aud = opts.audience;
  if (opts.notBefore !== undefined) payload.nbf = opts.notBefore;
  if (opts.issuedAt === true) payload.iat = now;
  for (const [name, value] of Object.entries(opts.claims ?? {})) {
    if (REGISTERED.has(name)) {
      throw new TypeError(`Claim "${name}" is set through its own sign option, not through claims`);
    }
    payload[name] = value;
  }
  return payload;
}

/**
 * Signs an RS256 token.
 * @example signToken(privateKey, { expiresIn: '1h' }) // Jamf-shaped token valid for one hour
 */
export function signToken(privateKey: KeyObject, opts: SignOptions = {}): string {
  assertRsaSigningKey(privateKey);
  const now = Math.floor(opts.now ?? Date.now() / 1000);
  const header: Record<string, unknown> = { alg: 'RS256' };
  if (opts.kid !== undefined) header.kid = opts.kid;
  const input = `${encodeBase64Url(JSON.stringify(header))}.${encodeBase64Url(JSON.stringify(buildClaims(opts, now)))}`;
  const signature = cryptoSign('sha256', Buffer.from(input, 'ascii'), privateKey);
  return `${input}.${encodeBase64Url(signature)}`;
}
