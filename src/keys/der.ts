/**
 * Binary (DER) key input: private PKCS#8/PKCS#1, public SPKI/PKCS#1 and certificates. Encrypted
 * DER is not read (convert it to PEM); the PEM path handles every encrypted form.
 */
import type { Buffer } from 'node:buffer';
import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { KeyError } from './errors.js';
import { publicKeyOf } from './export.js';
import type { PrivateKeyFormat, ReadPublicKey } from './key-formats.js';

/** Reads a private key from DER. @throws KeyError KEY_NOT_PRIVATE, KEY_UNREADABLE */
export function privateFromDer(der: Buffer): { key: KeyObject; format: PrivateKeyFormat } {
  const found = tryPrivateDer(der);
  if (found) return found;
  if (tryPublicDer(der)) throw new KeyError('KEY_NOT_PRIVATE', 'DER input');
  throw new KeyError('KEY_UNREADABLE', 'DER input');
}

// Private encodings are tried first: createPublicKey would also accept a private DER key.
function tryPrivateDer(der: Buffer): { key: KeyObject; format: PrivateKeyFormat } | undefined {
  for (const type of ['pkcs8', 'pkcs1'] as const) {
    try {
      return { key: createPrivateKey({ key: der, format: 'der', type }), format: type };
    } catch {
      // not this encoding; try the next
    }
  }
  return undefined;
}

/** Reads a public key from DER, deriving it from a private key if need be. @throws KeyError KEY_UNREADABLE */
export function publicFromDer(der: Buffer): ReadPublicKey {
  const found = tryPrivateDer(der);
  if (found) return { key: publicKeyOf(found.key), format: found.format, fromPrivate: true };
  const pub = tryPublicDer(der);
  if (pub) return pub;
  throw new KeyError('KEY_UNREADABLE', 'DER input');
}

function tryPublicDer(der: Buffer): ReadPublicKey | undefined {
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      const key = createPublicKey({ key: der, format: 'der', type });
      return { key, format: type === 'spki' ? 'spki' : 'pkcs1-public' };
    } catch {
      // not this encoding; try the next
    }
  }
  try {
    return { key: new X509Certificate(der).publicKey, format: 'x509' };
  } catch {
    return undefined;
  }
}
