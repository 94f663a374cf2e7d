/**
 * Hostile work factors: an encrypted key whose KDF asks for billions of iterations must be refused
 * before decryption starts (decryption is synchronous and would stall the process for hours).
 * Fixtures are real openssl/ssh-keygen output with the iteration/round field patched in place.
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPrivateKey } from '../../src/keys/index.js';
import { toPem } from '../../src/keys/pem.js';
import { FixtureDir, PASSPHRASE } from './fixtures.js';
import { keyErrorOf } from './helpers.js';

const f = new FixtureDir();
const pass = `pass:${PASSPHRASE}`;

beforeAll(() => {
  f.genrsa('key.pem');
  for (const [name, scheme] of [
    ['pbes2.der', ['-v2', 'aes-256-cbc']],
    ['pbes1.der', ['-v1', 'PBE-SHA1-3DES']],
  ] as const) {
    f.openssl(
      'pkcs8',
      '-topk8',
      ...scheme,
      '-iter',
      '65536',
      '-in',
      '@key.pem',
      '-passout',
      pass,
      '-outform',
      'DER',
      '-out',
      `@${name}`,
    );
  }
  f.sshKeygen('id_rsa', 'rsa', PASSPHRASE, '-a', '16');
  // scrypt with OpenSSL's defaults: N = 16384, r = 8 (16 MiB).
  f.openssl(
    'pkcs8',
    '-topk8',
    '-scrypt',
    '-in',
    '@key.pem',
    '-passout',
    pass,
    '-outform',
    'DER',
    '-out',
    '@scrypt.der',
  );
});
afterAll(() => f.cleanup());

/** Replaces the 3-byte INTEGER 65536 (02 03 01 00 00) in the header with 0x7FFFFF iterations. */
function withIterations(der: Buffer): string {
  const at = der.subarray(0, 100).indexOf(Buffer.from([0x02, 0x03, 0x01, 0x00, 0x00]));
  expect(at).toBeGreaterThan(0);
  const patched = Buffer.from(der);
  patched.set([0x7f, 0xff, 0xff], at + 2);
  return toPem('ENCRYPTED PRIVATE KEY', patched);
}

/** Sets the bcrypt round count of an "openssh-key-v1" blob to `rounds`. */
function withRounds(pem: string, rounds: number): string {
  const body = pem
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'))
    .join('');
  const blob = Buffer.from(body, 'base64');
  let offset = 'openssh-key-v1\0'.length;
  offset += 4 + blob.readUInt32BE(offset); // cipher name
  offset += 4 + blob.readUInt32BE(offset); // kdf name
  const saltLength = blob.readUInt32BE(offset + 4);
  blob.writeUInt32BE(rounds, offset + 8 + saltLength);
  return toPem('OPENSSH PRIVATE KEY', blob);
}

describe('KDF work factor caps', () => {
  it('reads the unpatched keys (65 536 PBKDF2 iterations, 16 bcrypt rounds)', () => {
    for (const name of ['pbes2.der', 'pbes1.der']) {
      const pem = toPem('ENCRYPTED PRIVATE KEY', readFileSync(f.path(name)));
      expect(readPrivateKey(pem, { passphrase: PASSPHRASE }).format).toBe('pkcs8-encrypted');
    }
  });

  it.each(['pbes2.der', 'pbes1.der'])('refuses %s patched to 8 388 607 iterations', (name) => {
    const pem = withIterations(readFileSync(f.path(name)));
    const err = keyErrorOf(() => readPrivateKey(pem, { passphrase: PASSPHRASE }));
    expect(err.code).toBe('KEY_ENCRYPTION_TOO_COSTLY');
    expect(err.message).toContain('8388607 iterations');
  });

  it('reads scrypt with OpenSSL defaults and refuses it patched to need over 32 MiB', () => {
    const der = readFileSync(f.path('scrypt.der'));
    expect(
      readPrivateKey(toPem('ENCRYPTED PRIVATE KEY', der), { passphrase: PASSPHRASE }).format,
    ).toBe('pkcs8-encrypted');
    const at = der.subarray(0, 100).indexOf(Buffer.from([0x02, 0x02, 0x40, 0x00])); // N = 16384
    expect(at).toBeGreaterThan(0);
    const patched = Buffer.from(der);
    patched.set([0x7f, 0xff], at + 2); // N = 32767: 128·r·(N+2+p) just over 32 MiB
    const pem = toPem('ENCRYPTED PRIVATE KEY', patched);
    expect(keyErrorOf(() => readPrivateKey(pem, { passphrase: PASSPHRASE })).code).toBe(
      'KEY_ENCRYPTION_TOO_COSTLY',
    );
  });

  it('refuses an OpenSSH key patched to 2^31-1 bcrypt rounds', () => {
    const pem = withRounds(f.read('id_rsa'), 0x7fffffff);
    expect(keyErrorOf(() => readPrivateKey(pem, { passphrase: PASSPHRASE })).code).toBe(
      'KEY_ENCRYPTION_TOO_COSTLY',
    );
    // Without a passphrase nothing is derived, so the plain "passphrase required" answer stands.
    expect(keyErrorOf(() => readPrivateKey(pem)).code).toBe('KEY_PASSPHRASE_REQUIRED');
  });

  it('lets a truncated encrypted key fail as a bad passphrase/damaged key, not crash', () => {
    const pem = toPem(
      'ENCRYPTED PRIVATE KEY',
      Buffer.from([0x30, 0x82, 0x05, 0x00, 0x30, 0x84, 0xff]),
    );
    expect(keyErrorOf(() => readPrivateKey(pem, { passphrase: 'x' })).code).toBe(
      'KEY_PASSPHRASE_WRONG',
    );
  });
});
