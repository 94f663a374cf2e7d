/**
 * Minting tokens with node:crypto (the Node fast path; webcrypto-sign.ts is the portable one).
 * The default output is byte-for-byte what Jamf Pro sends — see sign-input.ts — so tests and
 * `portcullis sign` exercise exactly the shape production sees.
 */
import { sign as cryptoSign, KeyObject } from 'node:crypto';
import { encodeBase64Url } from './base64url.js';
import { buildSigningInput, MIN_RSA_SIGNING_BITS, type SignOptions } from './sign-input.js';

export type { SignOptions } from './sign-input.js';

/** Throws TypeError unless `key` is an RSA private KeyObject of at least 2048 bits. */
export function assertRsaSigningKey(key: unknown): asserts key is KeyObject {
  if (!(key instanceof KeyObject) || key.type !== 'private') {
    throw new TypeError('signToken needs an RSA private key (KeyObject)');
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new TypeError(`signToken needs an RSA key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_SIGNING_BITS) {
    throw new TypeError(`RSA key is ${bits} bits; at least ${MIN_RSA_SIGNING_BITS} are required`);
  }
}

/**
 * Signs an RS256 token.
 * @example signToken(privateKey, { expiresIn: '1h' }) // Jamf-shaped token valid for one hour
 */
export function signToken(privateKey: KeyObject, opts: SignOptions = {}): string {
  assertRsaSigningKey(privateKey);
  const input = buildSigningInput(opts);
  const signature = cryptoSign('sha256', Buffer.from(input, 'ascii'), privateKey);
  return `${input}.${encodeBase64Url(signature)}`;
}
