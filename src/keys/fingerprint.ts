/**
 * Human-facing key identity: the SHA-256 fingerprint of the DER SPKI, printed the way OpenSSL prints
 * digests (uppercase hex, colon-separated) so admins can compare it with
 * `openssl pkey -pubin -in key.pub.pem -outform DER | openssl dgst -sha256 -c`.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { exportPublicKeyPem, publicKeyOf } from './export.js';
import { jwkThumbprint, publicJwk, type RsaPublicJwk } from './jwk.js';

/** Summary of a key for people and JSON output. */
export interface KeyDescription {
  type: 'RSA';
  bits: number;
  fingerprint: string;
  kid: string;
  publicKeyPem: string;
  jwk: RsaPublicJwk;
}

/** Formats bytes as uppercase hex pairs joined by colons (`AB:CD:…`). */
export function colonHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

/** SHA-256 over the DER SubjectPublicKeyInfo, uppercase hex, colon-separated. */
export function keyFingerprint(key: KeyObject): string {
  const der = publicKeyOf(key).export({ type: 'spki', format: 'der' });
  return colonHex(createHash('sha256').update(der).digest());
}

/** Type, size, fingerprint, kid (RFC 7638 thumbprint), public PEM and JWK of an RSA key. */
export function describeKey(key: KeyObject, opts: { kid?: string } = {}): KeyDescription {
  const pub = publicKeyOf(key);
  if (pub.asymmetricKeyType !== 'rsa') throw new TypeError('describeKey needs an RSA key');
  const kid = opts.kid ?? jwkThumbprint(pub);
  return {
    type: 'RSA',
    bits: pub.asymmetricKeyDetails?.modulusLength ?? 0,
    fingerprint: keyFingerprint(pub),
    kid,
    publicKeyPem: exportPublicKeyPem(pub),
    jwk: publicJwk(pub, { kid }),
  };
}
