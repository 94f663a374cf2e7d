/**
 * The WebCrypto backend (globalThis.crypto.subtle, RSASSA-PKCS1-v1_5) for runtimes without
 * node:crypto — the njs/edge story and the browser console. Slower than node:crypto in Node
 * (async hop per verify), so the server's hot path does not use it; see docs/decisions.md.
 */
import type { AsyncSignatureBackend } from './verify.js';

const HASH: Readonly<Record<string, string>> = {
  RS256: 'SHA-256',
  RS384: 'SHA-384',
  RS512: 'SHA-512',
};

function isRsaPkcs1Key(key: unknown, hash: string): key is CryptoKey {
  if (typeof CryptoKey === 'undefined' || !(key instanceof CryptoKey)) return false;
  const algorithm = key.algorithm as RsaHashedKeyAlgorithm;
  return algorithm.name === 'RSASSA-PKCS1-v1_5' && algorithm.hash?.name === hash;
}

/** Verifies with crypto.subtle; keys must be CryptoKeys imported for RSASSA-PKCS1-v1_5 with the alg's hash. */
export const webCryptoBackend: AsyncSignatureBackend = {
  async verify(alg, key, signingInput, signature) {
    const hash = HASH[alg];
    if (hash === undefined || !isRsaPkcs1Key(key, hash)) return false;
    return globalThis.crypto.subtle.verify(
      { name: 'RSASSA-PKCS1-v1_5' },
      key,
      signature as Uint8Array<ArrayBuffer>,
      signingInput as Uint8Array<ArrayBuffer>,
    );
  },
};

/**
 * Imports an RSA public JWK for verification with webCryptoBackend.
 * @example await importRsaPublicJwk({ kty: 'RSA', n, e })
 */
export async function importRsaPublicJwk(
  jwk: JsonWebKey,
  alg: 'RS256' | 'RS384' | 'RS512' = 'RS256',
): Promise<CryptoKey> {
  if (jwk?.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') {
    throw new TypeError('importRsaPublicJwk expects an RSA public JWK with n and e');
  }
  const { kty, n, e } = jwk;
  return globalThis.crypto.subtle.importKey(
    'jwk',
    { kty, n, e },
    { name: 'RSASSA-PKCS1-v1_5', hash: HASH[alg]! },
    false,
    ['verify'],
  );
}
