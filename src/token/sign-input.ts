/**
 * The runtime-neutral half of minting: the JWS header and claims, serialised exactly as Jamf Pro
 * sends them (header {"alg":"RS256"}, payload {"sub","iss","exp"} in that order). The node:crypto
 * signer (sign.ts) and the WebCrypto signer (webcrypto-sign.ts) both sign this string, so the two
 * produce byte-identical tokens for the same key and options.
 */
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

/** The smallest RSA modulus either signer accepts, in bits. */
export const MIN_RSA_SIGNING_BITS = 2048;

const REGISTERED = new Set(['sub', 'iss', 'exp', 'aud', 'nbf', 'iat']);

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
 * The `header.payload` string an RS256 signer signs (ASCII, base64url segments).
 * @example buildSigningInput({ expiresIn: '1h' }) // 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOi…'
 */
export function buildSigningInput(opts: SignOptions = {}): string {
  const now = Math.floor(opts.now ?? Date.now() / 1000);
  const header: Record<string, unknown> = { alg: 'RS256' };
  if (opts.kid !== undefined) header.kid = opts.kid;
  return `${encodeBase64Url(JSON.stringify(header))}.${encodeBase64Url(JSON.stringify(buildClaims(opts, now)))}`;
}
