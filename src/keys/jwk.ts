/**
 * RSA public keys as JWK/JWKS (RFC 7517) and their RFC 7638 thumbprints, which Portcullis uses as
 * the default key ID (kid) so the same key always gets the same kid wherever it is loaded.
 */
import { createHash, KeyObject } from 'node:crypto';
import { KeyError } from './errors.js';
import { publicKeyOf } from './export.js';

/** A public RSA JWK as Portcullis publishes it. */
export interface RsaPublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
}

function rsaComponents(key: KeyObject): { n: string; e: string } {
  const pub = publicKeyOf(key);
  if (pub.asymmetricKeyType !== 'rsa') throw new TypeError('an RSA key is required');
  const jwk = pub.export({ format: 'jwk' });
  if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') {
    throw new TypeError('RSA key export lacks n/e');
  }
  return { n: jwk.n, e: jwk.e };
}

/**
 * RFC 7638 JWK thumbprint: base64url SHA-256 of `{"e":…,"kty":"RSA","n":…}` (members in
 * lexicographic order, no whitespace).
 */
export function jwkThumbprint(key: KeyObject): string {
  const { n, e } = rsaComponents(key);
  // Built by hand so member order and spacing are exactly the RFC's, independent of JSON.stringify.
  const canonical = `{"e":"${e}","kty":"RSA","n":"${n}"}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

/** The public JWK of an RSA key; `kid` defaults to its RFC 7638 thumbprint. */
export function publicJwk(key: KeyObject, opts: { kid?: string } = {}): RsaPublicJwk {
  const { n, e } = rsaComponents(key);
  return { kty: 'RSA', n, e, kid: opts.kid ?? jwkThumbprint(key), alg: 'RS256', use: 'sig' };
}

/**
 * A JWKS of the public halves of `keys`. Repeats of the same key are listed once.
 * @throws KeyError KEY_KID_CONFLICT when two different keys are given the same kid
 */
export function jwks(keys: KeyObject[] | Array<{ key: KeyObject; kid?: string }>): {
  keys: RsaPublicJwk[];
} {
  const out: RsaPublicJwk[] = [];
  const byKid = new Map<string, string>();
  for (const entry of keys) {
    const { key, kid } = entry instanceof KeyObject ? { key: entry, kid: undefined } : entry;
    const jwk = publicJwk(key, kid === undefined ? {} : { kid });
    const thumbprint = kid === undefined ? jwk.kid : jwkThumbprint(key);
    const seen = byKid.get(jwk.kid);
    if (seen === thumbprint) continue;
    if (seen !== undefined) throw new KeyError('KEY_KID_CONFLICT', `kid "${jwk.kid}"`);
    byKid.set(jwk.kid, thumbprint);
    out.push(jwk);
  }
  return { keys: out };
}
