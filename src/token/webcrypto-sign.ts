/**
 * Minting tokens with WebCrypto (crypto.subtle) for runtimes without node:crypto: edge workers,
 * browsers, Deno. Same header and claims as the node:crypto signer (sign-input.ts), and
 * RSASSA-PKCS1-v1_5 is deterministic, so both signers give byte-identical tokens for one key.
 */
import { asciiBytes, encodeBase64Url } from './base64url.js';
import { buildSigningInput, MIN_RSA_SIGNING_BITS, type SignOptions } from './sign-input.js';

/** Throws TypeError unless `key` is a private RSASSA-PKCS1-v1_5/SHA-256 CryptoKey of ≥ 2048 bits. */
function assertWebCryptoSigningKey(key: unknown): asserts key is CryptoKey {
  if (typeof CryptoKey === 'undefined' || !(key instanceof CryptoKey) || key.type !== 'private') {
    throw new TypeError('signTokenAsync needs an RSA private key (CryptoKey)');
  }
  const algorithm = key.algorithm as RsaHashedKeyAlgorithm;
  if (algorithm.name !== 'RSASSA-PKCS1-v1_5' || algorithm.hash?.name !== 'SHA-256') {
    throw new TypeError('signTokenAsync needs a key imported for RSASSA-PKCS1-v1_5 with SHA-256');
  }
  if (!key.usages.includes('sign'))
    throw new TypeError('signTokenAsync needs a key usable to sign');
  const bits = algorithm.modulusLength ?? 0;
  if (bits < MIN_RSA_SIGNING_BITS) {
    throw new TypeError(`RSA key is ${bits} bits; at least ${MIN_RSA_SIGNING_BITS} are required`);
  }
}

/**
 * Signs an RS256 token with crypto.subtle.
 * @example await signTokenAsync(await importRsaPrivateJwk(jwk), { expiresIn: '1h' })
 */
export async function signTokenAsync(
  privateKey: CryptoKey,
  opts: SignOptions = {},
): Promise<string> {
  assertWebCryptoSigningKey(privateKey);
  const input = buildSigningInput(opts);
  const signature = await globalThis.crypto.subtle.sign(
    { name: 'RSASSA-PKCS1-v1_5' },
    privateKey,
    asciiBytes(input) as Uint8Array<ArrayBuffer>,
  );
  return `${input}.${encodeBase64Url(new Uint8Array(signature))}`;
}

/**
 * Imports an RSA private JWK (with its CRT members) for signTokenAsync. Not extractable.
 * @example await importRsaPrivateJwk(JSON.parse(secretJwkText))
 */
export async function importRsaPrivateJwk(jwk: JsonWebKey): Promise<CryptoKey> {
  if (jwk?.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.d !== 'string') {
    throw new TypeError('importRsaPrivateJwk expects an RSA private JWK with n, e and d');
  }
  // Only the key members: an `alg`, `use` or `key_ops` in the input must not narrow or widen the import.
  const { kty, n, e, d, p, q, dp, dq, qi } = jwk;
  return globalThis.crypto.subtle.importKey(
    'jwk',
    { kty, n, e, d, p, q, dp, dq, qi },
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    false,
    ['sign'],
  );
}
