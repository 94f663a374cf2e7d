/**
 * `portcullis key convert` and `portcullis key show` through the real binary, with keys made by
 * openssl and ssh-keygen: conversion to Jamf-ready PEM, passphrase handling without a TTY, and
 * every output mode of `show`.
 */
import { chmodSync, existsSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixtureDir, makeRsaForms, PASSPHRASE, run } from '../keys/fixtures.js';
import { ensureBuilt, portcullis } from './key-build.js';

const f = new FixtureDir();
let fingerprint: string; // of the openssl fixture key

beforeAll(() => {
  ensureBuilt();
  makeRsaForms(f);
  // Few bcrypt rounds keep the test fast; the format is the same as ssh-keygen's default.
  f.sshKeygen('id_rsa', 'rsa', PASSPHRASE, '-a', '2');
  f.sshKeygen('id_ed25519', 'ed25519');
  f.genrsa('other.pem');
  f.write('pass.txt', `${PASSPHRASE}\n`);
  f.write('wrong.txt', 'wrong-passphrase\n');
  f.write('bundle.pem', f.read('spki.pem') + f.read('other.pem'));
  const der = run('openssl', ['pkey', '-pubin', '-in', f.path('spki.pem'), '-outform', 'DER']);
  fingerprint = run('openssl', ['dgst', '-sha256', '-c'], der)
    .toString()
    .trim()
    .split('= ')[1]!
    .toUpperCase();
}, 120_000);
afterAll(() => f.cleanup());

describe('portcullis key convert', () => {
  it('turns an encrypted OpenSSH key into an unencrypted PKCS#1 PEM (0600)', () => {
    const r = portcullis(
      f.dir,
      'key',
      'convert',
      'id_rsa',
      '--passphrase-file',
      'pass.txt',
      '--out',
      'jamf.pem',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('OpenSSH private key');
    expect(f.read('jamf.pem')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(statSync(f.path('jamf.pem')).mode & 0o777).toBe(0o600);
    const fromSsh = run('ssh-keygen', ['-e', '-m', 'PKCS8', '-f', f.path('id_rsa.pub')]).toString();
    const fromPem = f.openssl('rsa', '-in', '@jamf.pem', '-pubout').toString();
    expect(fromPem).toBe(fromSsh);
  });

  it('converts encrypted PKCS#8 to PKCS#8 on request, same key', () => {
    const r = portcullis(
      f.dir,
      'key',
      'convert',
      'enc-pkcs8.pem',
      '--passphrase-file',
      'pass.txt',
      '--out',
      'k8.pem',
      '--format',
      'pkcs8',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(f.read('k8.pem')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(r.stdout).toContain(fingerprint);
  });

  it('without a passphrase file and without a TTY fails with KEY_PASSPHRASE_REQUIRED, writing nothing', () => {
    const r = portcullis(f.dir, 'key', 'convert', 'enc-pkcs1.pem', '--out', 'never.pem');
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('KEY_PASSPHRASE_REQUIRED');
    expect(r.stderr).toContain('enc-pkcs1.pem');
    expect(existsSync(f.path('never.pem'))).toBe(false);
  });

  it('with a wrong passphrase fails with KEY_PASSPHRASE_WRONG and does not print it', () => {
    const r = portcullis(
      f.dir,
      'key',
      'convert',
      'enc-pkcs8.pem',
      '--passphrase-file',
      'wrong.txt',
      '--out',
      'never.pem',
    );
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('KEY_PASSPHRASE_WRONG');
    expect(r.stderr).not.toContain('wrong-passphrase');
  });

  it.each([
    ['a missing file', 'nope/missing.pem', 'KEY_FILE_NOT_FOUND'],
    ['a public key', 'spki.pem', 'KEY_NOT_PRIVATE'],
    ['an ed25519 key', 'id_ed25519', 'KEY_NOT_RSA'],
  ])('refuses %s, naming the file as typed', (_name, input, code) => {
    const r = portcullis(f.dir, 'key', 'convert', input, '--out', 'never.pem');
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`portcullis: ${input}: `);
    expect(r.stderr).toContain(code);
    expect(r.stderr).not.toContain(f.dir);
  });

  it('refuses to overwrite --out without --force', () => {
    const r = portcullis(f.dir, 'key', 'convert', 'pkcs8.pem', '--out', 'other.pem');
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('KEY_FILE_EXISTS');
  });
});

describe('portcullis key show', () => {
  it('summarises a private key without printing it', () => {
    const r = portcullis(f.dir, 'key', 'show', 'pkcs1.pem');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('PKCS#1 private key');
    expect(r.stdout).toContain('RSA 2048 bits');
    expect(r.stdout).toContain(fingerprint);
    expect(r.stdout).toContain('-----BEGIN PUBLIC KEY-----');
    expect(r.stdout).not.toContain('PRIVATE KEY-----');
  });

  it.each(['spki.pem', 'pkcs1-public.pem', 'cert.pem', 'cert.der', 'pkcs8.der'])(
    'shows %s with the same fingerprint',
    (file) => {
      const r = portcullis(f.dir, 'key', 'show', file);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(fingerprint);
    },
  );

  it('--pem prints exactly what `openssl rsa -pubout` prints', () => {
    const r = portcullis(
      f.dir,
      'key',
      'show',
      'enc-pkcs1.pem',
      '--pem',
      '--passphrase-file',
      'pass.txt',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(f.read('spki.pem'));
  });

  it('--jwks of a two-key bundle round-trips through show --json', () => {
    const jwks = portcullis(f.dir, 'key', 'show', 'pkcs8.pem', '--jwks');
    expect(jwks.status, jwks.stderr).toBe(0);
    const set = JSON.parse(jwks.stdout) as { keys: Array<{ kid: string; d?: string }> };
    expect(set.keys).toHaveLength(1);
    expect(set.keys[0]!.d).toBeUndefined();
    const two = JSON.parse(portcullis(f.dir, 'key', 'show', 'bundle.pem', '--jwks').stdout) as {
      keys: unknown[];
    };
    f.write('bundle.jwks.json', JSON.stringify(two));
    const described = JSON.parse(
      portcullis(f.dir, 'key', 'show', 'bundle.jwks.json', '--json').stdout,
    );
    expect(described).toHaveLength(2);
    expect(described[0]).toMatchObject({
      format: 'jwks',
      type: 'RSA',
      bits: 2048,
      fingerprint,
      kid: set.keys[0]!.kid,
    });
  });

  it('warns on stderr when a private key file is readable by others, and not when it is 0600', () => {
    const loose = f.write('loose.pem', f.read('pkcs1.pem'));
    chmodSync(loose, 0o644);
    const r = portcullis(f.dir, 'key', 'show', 'loose.pem');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: loose.pem holds a private key');
    expect(r.stderr).toContain('chmod 600 loose.pem');
    chmodSync(loose, 0o600);
    expect(portcullis(f.dir, 'key', 'show', 'loose.pem').stderr).toBe('');
    chmodSync(f.path('spki.pem'), 0o644);
    expect(portcullis(f.dir, 'key', 'show', 'spki.pem').stderr).toBe('');
  });

  it('--jwk on a file with two keys is a usage error pointing at --jwks', () => {
    const r = portcullis(f.dir, 'key', 'show', 'bundle.pem', '--jwk');
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('--jwks');
  });

  it('refuses two output modes at once', () => {
    expect(portcullis(f.dir, 'key', 'show', 'spki.pem', '--jwk', '--pem').status).toBe(2);
  });

  it('describes a 1024-bit key with the verdict instead of refusing to show it (exit 1)', () => {
    f.genrsa('weak.pem', 1024);
    const r = portcullis(f.dir, 'key', 'show', 'weak.pem');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain('Type:        RSA 1024 bits');
    expect(r.stdout).toMatch(/Fingerprint: SHA256 [0-9A-F:]{95}/);
    expect(r.stdout).toContain(
      'Verdict:     REFUSED (KEY_TOO_SMALL): The RSA key is smaller than 2048 bits',
    );
    expect(r.stdout).toContain('portcullis keygen');
    expect(r.stdout).not.toContain('-----BEGIN PRIVATE KEY-----');
    const json = portcullis(f.dir, 'key', 'show', 'weak.pem', '--json');
    expect(json.status).toBe(1);
    const [described] = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(described).toMatchObject({ bits: 1024, verdict: 'refused', code: 'KEY_TOO_SMALL' });
    expect(described).not.toHaveProperty('jwk');
    // Exports are for use: a refused key is never exported.
    for (const mode of ['--jwk', '--jwks', '--pem']) {
      const e = portcullis(f.dir, 'key', 'show', 'weak.pem', mode);
      expect(e.status).toBe(2);
      expect(e.stdout).toBe('');
      expect(e.stderr).toContain('weak.pem: The RSA key is smaller than 2048 bits');
    }
    // A usable key says so.
    const ok = portcullis(f.dir, 'key', 'show', 'spki.pem', '--json');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)[0]).toMatchObject({ verdict: 'usable' });
    expect(portcullis(f.dir, 'key', 'show', 'spki.pem').stdout).toContain(
      'Verdict:     usable for RS256',
    );
  });

  it('still refuses a weak key wherever keys are used (verify)', () => {
    const r = portcullis(f.dir, 'verify', 'a.b.c', '--key', 'weak.pem');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('(KEY_TOO_SMALL)');
  });

  it('refuses an ed25519 public key with KEY_NOT_RSA', () => {
    const r = portcullis(f.dir, 'key', 'show', 'id_ed25519.pub');
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('KEY_NOT_RSA');
  });

  it('has help with examples for each subcommand', () => {
    for (const sub of ['convert', 'show']) {
      const r = portcullis(f.dir, 'key', sub, '--help');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('Examples:');
    }
  });
});
