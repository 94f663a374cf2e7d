/**
 * PEM export in the forms Jamf Pro and OpenSSL expect. PKCS#1 ("BEGIN RSA PRIVATE KEY") is the
 * default because that is what `openssl genrsa` writes and what Jamf Pro's JWT configuration takes.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';

/** The public half of a key (a public key is returned as is). */
export function publicKeyOf(key: KeyObject): KeyObject {
  return key.type === 'public' ? key : createPublicKey(key);
}

/**
 * Exports an RSA private key as PEM: `pkcs1` (default, Jamf-ready) or `pkcs8`.
 * @example exportPrivateKeyPem(privateKey) // "-----BEGIN RSA PRIVATE KEY-----\n…"
 */
export function exportPrivateKeyPem(key: KeyObject, format: 'pkcs1' | 'pkcs8' = 'pkcs1'): string {
  if (key.type !== 'private') throw new TypeError('exportPrivateKeyPem needs a private KeyObject');
  if (key.asymmetricKeyType !== 'rsa') throw new TypeError('exportPrivateKeyPem needs an RSA key');
  if (format !== 'pkcs1' && format !== 'pkcs8') {
    throw new TypeError(`unknown private key format: ${String(format)}`);
  }
  return key.export({ type: format, format: 'pem' }).toString();
}

/** Exports the public half of a key as SPKI PEM ("BEGIN PUBLIC KEY"). */
export function exportPublicKeyPem(key: KeyObject): string {
  return publicKeyOf(key).export({ type: 'spki', format: 'pem' }).toString();
}
