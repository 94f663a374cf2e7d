/**
 * Generation, PEM export and fingerprints, cross-checked with openssl: the fingerprint must be
 * exactly what `openssl pkey -pubin -outform DER | openssl dgst -sha256 -c` prints (uppercased).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  describeKey,
  exportPrivateKeyPem,
  exportPublicKeyPem,
  generateRsaKeyPair,
  jwkThumbprint,
  keyFingerprint,
  publicKeyOf,
  readPrivateKey,
} from '../../src/keys/index.js';
import { run } from './fixtures.js';

let privateKey: KeyObject;
beforeAll(async () => {
  ({ privateKey } = await generateRsaKeyPair());
});

function opensslFingerprint(publicPem: string): string {
  const der = run('openssl', ['pkey', '-pubin', '-outform', 'DER'], publicPem);
  return run('openssl', ['dgst', '-sha256', '-c'], der).toString().trim().split('= ')[1]!;
}

describe('generateRsaKeyPair', () => {
  it('makes a 2048-bit RSA key with e = 65537 by default', () => {
    expect(privateKey.asymmetricKeyType).toBe('rsa');
    expect(privateKey.asymmetricKeyDetails).toMatchObject({
      modulusLength: 2048,
      publicExponent: 65537n,
    });
  });

  it('refuses sizes other than 2048, 3072 and 4096', async () => {
    await expect(generateRsaKeyPair(1024 as 2048)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('PEM export', () => {
  it('writes PKCS#1 "BEGIN RSA PRIVATE KEY" by default, which openssl checks and reads back', () => {
    const pem = exportPrivateKeyPem(privateKey);
    expect(pem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(run('openssl', ['rsa', '-check', '-noout'], pem).toString()).toContain('RSA key ok');
    expect(readPrivateKey(pem).format).toBe('pkcs1');
  });

  it('writes PKCS#8 on request', () => {
    const pem = exportPrivateKeyPem(privateKey, 'pkcs8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(keyFingerprint(readPrivateKey(pem).key)).toBe(keyFingerprint(privateKey));
  });

  it('writes the public key as SPKI from either half', () => {
    const pem = exportPublicKeyPem(privateKey);
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(exportPublicKeyPem(createPublicKey(privateKey))).toBe(pem);
    expect(pem).not.toContain('PRIVATE');
  });

  it('treats a public key passed as private as a programmer mistake', () => {
    expect(() => exportPrivateKeyPem(publicKeyOf(privateKey))).toThrow(TypeError);
  });
});

describe('keyFingerprint and describeKey', () => {
  it('equals the openssl SHA-256 digest of the DER public key, uppercased', () => {
    const pem = exportPublicKeyPem(privateKey);
    const fp = keyFingerprint(privateKey);
    expect(fp).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(fp).toBe(opensslFingerprint(pem).toUpperCase());
  });

  it('is the same for the private key and its public half', () => {
    expect(keyFingerprint(publicKeyOf(privateKey))).toBe(keyFingerprint(privateKey));
  });

  it('describes type, size, fingerprint, kid, public PEM and JWK', () => {
    const d = describeKey(privateKey);
    expect(d).toMatchObject({ type: 'RSA', bits: 2048, fingerprint: keyFingerprint(privateKey) });
    expect(d.kid).toBe(jwkThumbprint(privateKey));
    expect(d.jwk.kid).toBe(d.kid);
    expect(d.publicKeyPem).toBe(exportPublicKeyPem(privateKey));
    expect(JSON.stringify(d)).not.toMatch(/"d":|PRIVATE/);
  });
});
