/**
 * `portcullis keygen` and `portcullis cert` through the real binary: files, modes, refusals to
 * overwrite, and output that openssl agrees with.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_DAYS } from '../../src/admin/configuration-material.js';
import { readCertificateInfo } from '../../src/keys/certificate.js';
import { FixtureDir, run } from '../keys/fixtures.js';
import { ensureBuilt, portcullis } from './key-build.js';

const f = new FixtureDir();
beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => f.cleanup());

const mode = (path: string): number => statSync(path).mode & 0o777;

function opensslFingerprint(publicPemFile: string): string {
  const der = run('openssl', ['pkey', '-pubin', '-in', publicPemFile, '-outform', 'DER']);
  return run('openssl', ['dgst', '-sha256', '-c'], der)
    .toString()
    .trim()
    .split('= ')[1]!
    .toUpperCase();
}

describe('portcullis keygen', () => {
  let first: ReturnType<typeof portcullis>;
  beforeAll(() => {
    first = portcullis(f.dir, 'keygen');
  });

  it('writes portcullis-key.pem (PKCS#1, 0600) and portcullis-key.pub.pem in the current directory', () => {
    expect(first.status, first.stderr).toBe(0);
    const key = f.path('portcullis-key.pem');
    expect(mode(key)).toBe(0o600);
    expect(readFileSync(key, 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(run('openssl', ['rsa', '-in', key, '-check', '-noout']).toString()).toContain(
      'RSA key ok',
    );
    expect(f.read('portcullis-key.pub.pem')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
  });

  it('prints the paths, the openssl fingerprint, the kid and the Jamf Pro next step', () => {
    expect(first.stdout).toContain('portcullis-key.pub.pem');
    expect(first.stdout).toContain(opensslFingerprint(f.path('portcullis-key.pub.pem')));
    expect(first.stdout).toMatch(/Key ID: +[A-Za-z0-9_-]{43}/);
    expect(first.stdout).toContain('JSON Web Token Configuration');
    expect(first.stdout).toContain('portcullis sign-url');
    expect(first.stdout).not.toContain('PRIVATE KEY-----');
  });

  it('refuses to overwrite without --force (exit 2) and leaves the key unchanged', () => {
    const before = f.read('portcullis-key.pem');
    const again = portcullis(f.dir, 'keygen');
    expect(again.status, again.stderr).toBe(2);
    expect(again.stderr).toContain('portcullis-key.pem');
    expect(again.stderr).toContain('KEY_FILE_EXISTS');
    expect(f.read('portcullis-key.pem')).toBe(before);
  });

  it('refuses before generating when only the public file exists', () => {
    f.write('half.pub.pem', 'existing');
    const r = portcullis(f.dir, 'keygen', '--out', 'half.pem');
    expect(r.status, r.stderr).toBe(2);
    expect(existsSync(f.path('half.pem'))).toBe(false);
  });

  it('replaces both files with --force', () => {
    const before = f.read('portcullis-key.pem');
    const r = portcullis(f.dir, 'keygen', '--force');
    expect(r.status, r.stderr).toBe(0);
    expect(f.read('portcullis-key.pem')).not.toBe(before);
    expect(mode(f.path('portcullis-key.pem'))).toBe(0o600);
  });

  it('writes PKCS#8 and other sizes on request', () => {
    const r = portcullis(
      f.dir,
      'keygen',
      '--out',
      'big.pem',
      '--bits',
      '3072',
      '--format',
      'pkcs8',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('RSA 3072 bits');
    expect(f.read('big.pem')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it.each([
    ['--bits', '1024'],
    ['--bits', 'lots'],
    ['--format', 'der'],
  ])('refuses %s %s as a usage error', (flag, value) => {
    const r = portcullis(f.dir, 'keygen', '--out', 'never.pem', flag, value);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`invalid ${flag}`);
    expect(existsSync(f.path('never.pem'))).toBe(false);
  });

  it('has help with examples (keygen and cert)', () => {
    const r = portcullis(f.dir, 'keygen', '--help');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('openssl genrsa');
    const c = portcullis(f.dir, 'cert', '--help');
    expect(c.status, c.stderr).toBe(0);
    expect(c.stdout).toContain('Examples:');
  });
});

describe('portcullis cert', () => {
  // Its own key pair, so these tests do not depend on the keygen ones.
  beforeAll(() => {
    f.genrsa('cert-key.pem');
    f.openssl('rsa', '-in', '@cert-key.pem', '-pubout', '-out', '@cert-key.pub.pem');
  });

  it('writes a self-signed certificate openssl reads, holding the key’s public key', () => {
    const r = portcullis(
      f.dir,
      'cert',
      'cert-key.pem',
      '--out',
      'cert.pem',
      '--cn',
      'Jamf JWT',
      '--days',
      '30',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Subject:     CN=Jamf JWT');
    const subject = f.openssl('x509', '-in', '@cert.pem', '-noout', '-subject').toString();
    expect(subject.trim()).toBe('subject=CN = Jamf JWT');
    const pub = f.openssl('x509', '-in', '@cert.pem', '-noout', '-pubkey').toString();
    expect(pub).toBe(f.read('cert-key.pub.pem'));
    const fp = f
      .openssl('x509', '-in', '@cert.pem', '-noout', '-fingerprint', '-sha256')
      .toString();
    expect(r.stdout).toContain(fp.trim().split('=')[1]!);
  });

  it('lasts 3650 days without --days, the same as the admin API certificate, and says so in --help', () => {
    const r = portcullis(f.dir, 'cert', 'cert-key.pem', '--out', 'cert-default.pem');
    expect(r.status, r.stderr).toBe(0);
    const info = readCertificateInfo(f.read('cert-default.pem'));
    expect(info.notAfter.getTime() - info.notBefore.getTime()).toBe(CERTIFICATE_DAYS * 86_400_000);
    expect(CERTIFICATE_DAYS).toBe(3650);
    const help = portcullis(f.dir, 'cert', '--help').stdout.replace(/\s+/g, ' ');
    expect(help).toContain('(default: "3650")');
    expect(help).toContain('not a TLS');
  });

  it('refuses to overwrite the certificate without --force', () => {
    writeFileSync(f.path('taken.pem'), 'taken');
    const r = portcullis(f.dir, 'cert', 'cert-key.pem', '--out', 'taken.pem');
    expect(r.status, r.stderr).toBe(2);
    expect(f.read('taken.pem')).toBe('taken');
  });

  it.each([
    ['--days', '0'],
    ['--days', '1e3'],
    ['--cn', ''],
    ['--cn', 'two\nlines'],
  ])('refuses %s %j as a usage error', (flag, value) => {
    const r = portcullis(f.dir, 'cert', 'cert-key.pem', '--out', 'bad.pem', flag, value);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`invalid ${flag}`);
    expect(existsSync(f.path('bad.pem'))).toBe(false);
  });

  it('refuses a public key as input, naming the file', () => {
    const r = portcullis(f.dir, 'cert', 'cert-key.pub.pem', '--out', 'pubcert.pem');
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('cert-key.pub.pem');
    expect(r.stderr).toContain('KEY_NOT_PRIVATE');
  });
});
