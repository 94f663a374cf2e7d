/**
 * OpenSSH keys exactly as `ssh-keygen` writes them: the new "OPENSSH PRIVATE KEY" container
 * (plain and bcrypt-pbkdf/aes256-ctr encrypted), `-m PEM` (PKCS#1), `.pub` lines, and ed25519.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyFingerprint, readPrivateKey, readPublicKeys } from '../../src/keys/index.js';
import { FixtureDir, PASSPHRASE, run } from './fixtures.js';
import { keyErrorOf } from './helpers.js';

const f = new FixtureDir();

beforeAll(() => {
  f.sshKeygen('id_rsa', 'rsa');
  f.sshKeygen('id_rsa_enc', 'rsa', PASSPHRASE);
  f.sshKeygen('id_rsa_pem', 'rsa', '', '-m', 'PEM');
  f.sshKeygen('id_rsa_pem_enc', 'rsa', PASSPHRASE, '-m', 'PEM');
  f.sshKeygen('id_ed25519', 'ed25519');
});
afterAll(() => f.cleanup());

/** The fingerprint OpenSSL computes for the public key of an ssh-keygen key file. */
function opensslFingerprint(sshPublicFile: string): string {
  const pem = run('ssh-keygen', ['-e', '-m', 'PKCS8', '-f', sshPublicFile]);
  const der = run('openssl', ['pkey', '-pubin', '-outform', 'DER'], pem);
  const out = run('openssl', ['dgst', '-sha256', '-c'], der).toString();
  return out.trim().split('= ')[1]!.toUpperCase();
}

describe('OpenSSH private keys', () => {
  it('reads a plain "BEGIN OPENSSH PRIVATE KEY" and matches its .pub', () => {
    const { key, format } = readPrivateKey(f.read('id_rsa'));
    expect(format).toBe('openssh');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(keyFingerprint(key)).toBe(opensslFingerprint(f.path('id_rsa.pub')));
  });

  it('reads an encrypted one with the right passphrase', () => {
    const { key, format } = readPrivateKey(f.read('id_rsa_enc'), { passphrase: PASSPHRASE });
    expect(format).toBe('openssh');
    expect(keyFingerprint(key)).toBe(opensslFingerprint(f.path('id_rsa_enc.pub')));
  });

  it('refuses an encrypted one without a passphrase', () => {
    expect(keyErrorOf(() => readPrivateKey(f.read('id_rsa_enc'))).code).toBe(
      'KEY_PASSPHRASE_REQUIRED',
    );
  });

  it('refuses an encrypted one with a wrong passphrase', () => {
    const err = keyErrorOf(() => readPrivateKey(f.read('id_rsa_enc'), { passphrase: 'wrong' }));
    expect(err.code).toBe('KEY_PASSPHRASE_WRONG');
    expect(err.message).not.toContain('wrong');
  });

  it('reads `ssh-keygen -m PEM` output as PKCS#1, plain and encrypted', () => {
    expect(readPrivateKey(f.read('id_rsa_pem')).format).toBe('pkcs1');
    const enc = readPrivateKey(f.read('id_rsa_pem_enc'), { passphrase: PASSPHRASE });
    expect(enc.format).toBe('pkcs1-encrypted');
    expect(keyFingerprint(enc.key)).toBe(opensslFingerprint(f.path('id_rsa_pem_enc.pub')));
  });

  it('refuses ed25519 as not RSA', () => {
    const err = keyErrorOf(() => readPrivateKey(f.read('id_ed25519')));
    expect(err.code).toBe('KEY_NOT_RSA');
    expect(err.message).toContain('portcullis keygen');
    expect(err.message).toContain('openssl genrsa -out key.pem 2048');
  });
});

describe('OpenSSH public keys', () => {
  it('reads an ssh-rsa line', () => {
    const keys = readPublicKeys(f.read('id_rsa.pub'));
    expect(keys).toHaveLength(1);
    expect(keys[0]!.format).toBe('openssh-public');
    expect(keyFingerprint(keys[0]!.key)).toBe(opensslFingerprint(f.path('id_rsa.pub')));
  });

  it('reads every line of an authorized_keys-style file, skipping comments', () => {
    const text = `# team keys\n${f.read('id_rsa.pub')}\n\n${f.read('id_rsa_enc.pub')}`;
    expect(readPublicKeys(text).map((k) => k.format)).toEqual(['openssh-public', 'openssh-public']);
  });

  it('derives the public half of an OpenSSH private key', () => {
    const [entry] = readPublicKeys(readFileSync(f.path('id_rsa')));
    expect(entry!.format).toBe('openssh');
    expect(entry!.key.type).toBe('public');
  });

  it('refuses ssh-ed25519 lines and .pub files where a private key is needed', () => {
    expect(keyErrorOf(() => readPublicKeys(f.read('id_ed25519.pub'))).code).toBe('KEY_NOT_RSA');
    expect(keyErrorOf(() => readPrivateKey(f.read('id_rsa.pub'))).code).toBe('KEY_NOT_PRIVATE');
  });

  it('refuses a damaged ssh-rsa line', () => {
    const line = f.read('id_rsa.pub');
    const damaged = `${line.slice(0, 40)}${line.slice(60)}`;
    expect(keyErrorOf(() => readPublicKeys(damaged)).code).toBe('KEY_UNREADABLE');
  });
});
