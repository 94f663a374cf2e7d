/**
 * readPrivateKey / readPublicKeys against every form the real tools write: openssl (PKCS#1,
 * PKCS#8, both encrypted kinds, SPKI, PKCS#1 public, certificates, DER) and ssh-keygen.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KeyError,
  keyFingerprint,
  type PrivateKeyFormat,
  type PublicKeyFormat,
  readPrivateKey,
  readPublicKeys,
} from '../../src/keys/index.js';
import { FixtureDir, makeRsaForms, PASSPHRASE } from './fixtures.js';

const f = new FixtureDir();
let expected: string; // fingerprint of the openssl fixture key

beforeAll(() => {
  makeRsaForms(f);
  expected = keyFingerprint(readPrivateKey(f.read('pkcs8.pem')).key);
});
afterAll(() => f.cleanup());

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof KeyError) return err.code;
    throw err;
  }
  throw new Error('expected a KeyError');
}

describe('private forms written by openssl', () => {
  const cases: Array<[file: string, format: PrivateKeyFormat, passphrase?: string]> = [
    ['pkcs8.pem', 'pkcs8'],
    ['pkcs1.pem', 'pkcs1'],
    ['enc-pkcs8.pem', 'pkcs8-encrypted', PASSPHRASE],
    ['enc-pkcs1.pem', 'pkcs1-encrypted', PASSPHRASE],
    ['pkcs1.der', 'pkcs1'],
    ['pkcs8.der', 'pkcs8'],
  ];
  it.each(cases)('%s reads as %s with the same key', (file, format, passphrase) => {
    const read = readPrivateKey(readFileSync(f.path(file)), passphrase ? { passphrase } : {});
    expect(read.format).toBe(format);
    expect(read.key.type).toBe('private');
    expect(keyFingerprint(read.key)).toBe(expected);
  });

  it.each(['enc-pkcs8.pem', 'enc-pkcs1.pem'])(
    '%s without a passphrase → KEY_PASSPHRASE_REQUIRED',
    (file) => {
      expect(codeOf(() => readPrivateKey(f.read(file)))).toBe('KEY_PASSPHRASE_REQUIRED');
    },
  );

  it.each(['enc-pkcs8.pem', 'enc-pkcs1.pem'])(
    '%s with a wrong passphrase → KEY_PASSPHRASE_WRONG',
    (file) => {
      expect(codeOf(() => readPrivateKey(f.read(file), { passphrase: 'nope' }))).toBe(
        'KEY_PASSPHRASE_WRONG',
      );
    },
  );

  it('accepts the passphrase as bytes', () => {
    const bytes = new TextEncoder().encode(PASSPHRASE);
    expect(readPrivateKey(f.read('enc-pkcs8.pem'), { passphrase: bytes }).format).toBe(
      'pkcs8-encrypted',
    );
  });
});

describe('public forms', () => {
  const cases: Array<[file: string, format: PublicKeyFormat]> = [
    ['spki.pem', 'spki'],
    ['pkcs1-public.pem', 'pkcs1-public'],
    ['cert.pem', 'x509'],
    ['spki.der', 'spki'],
    ['cert.der', 'x509'],
    ['pkcs1.pem', 'pkcs1'],
    ['pkcs8.pem', 'pkcs8'],
  ];
  it.each(cases)('%s gives the public key as %s', (file, format) => {
    const keys = readPublicKeys(readFileSync(f.path(file)));
    expect(keys).toHaveLength(1);
    expect(keys[0]!.format).toBe(format);
    expect(keys[0]!.key.type).toBe('public');
    expect(keyFingerprint(keys[0]!.key)).toBe(expected);
  });

  it.each(['spki.pem', 'pkcs1-public.pem', 'cert.pem', 'spki.der', 'cert.der'])(
    '%s is refused where a private key is needed',
    (file) => {
      expect(codeOf(() => readPrivateKey(readFileSync(f.path(file))))).toBe('KEY_NOT_PRIVATE');
    },
  );
});
