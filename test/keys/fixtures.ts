/**
 * Key fixtures made at test time by the real tools (openssl, ssh-keygen) in a temp dir, so no
 * private key is ever committed and every form is exactly what those tools write today.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Passphrase used for every encrypted fixture. */
export const PASSPHRASE = 'correct horse battery staple';

/** Runs a command and returns stdout (throws with stderr on failure). */
export function run(cmd: string, args: string[], input?: string | Uint8Array): Buffer {
  return execFileSync(cmd, args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A temp dir with helpers to make fixtures in it; call `cleanup()` in afterAll. */
export class FixtureDir {
  readonly dir = mkdtempSync(join(tmpdir(), 'portcullis-keys-'));

  path(name: string): string {
    return join(this.dir, name);
  }

  read(name: string): string {
    return readFileSync(this.path(name), 'utf8');
  }

  write(name: string, text: string | Uint8Array): string {
    writeFileSync(this.path(name), text);
    return this.path(name);
  }

  openssl(...args: string[]): Buffer {
    return run(
      'openssl',
      args.map((a) => a.replace(/^@/, `${this.dir}/`)),
    );
  }

  /** `openssl genrsa -out NAME BITS` (OpenSSL 3 writes PKCS#8 "BEGIN PRIVATE KEY"). */
  genrsa(name: string, bits = 2048): string {
    this.openssl('genrsa', '-out', `@${name}`, String(bits));
    return this.path(name);
  }

  /** `ssh-keygen -t TYPE` with an optional passphrase and extra arguments (e.g. `-m PEM`). */
  sshKeygen(name: string, type: 'rsa' | 'ed25519', passphrase = '', ...extra: string[]): string {
    const bits = type === 'rsa' ? ['-b', '2048'] : [];
    run('ssh-keygen', [
      '-q',
      '-t',
      type,
      ...bits,
      '-N',
      passphrase,
      '-C',
      'fixture',
      ...extra,
      '-f',
      this.path(name),
    ]);
    return this.path(name);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The standard set derived from one 2048-bit openssl key: every PEM/DER form of the same key.
 * Names: pkcs8.pem, pkcs1.pem, enc-pkcs8.pem, enc-pkcs1.pem, spki.pem, pkcs1-public.pem,
 * cert.pem, pkcs1.der, pkcs8.der, spki.der, cert.der.
 */
export function makeRsaForms(f: FixtureDir): void {
  f.genrsa('pkcs8.pem');
  const pass = `pass:${PASSPHRASE}`;
  f.openssl('rsa', '-in', '@pkcs8.pem', '-traditional', '-out', '@pkcs1.pem');
  f.openssl(
    'pkcs8',
    '-topk8',
    '-v2',
    'aes-256-cbc',
    '-in',
    '@pkcs8.pem',
    '-out',
    '@enc-pkcs8.pem',
    '-passout',
    pass,
  );
  f.openssl(
    'rsa',
    '-in',
    '@pkcs8.pem',
    '-aes256',
    '-traditional',
    '-out',
    '@enc-pkcs1.pem',
    '-passout',
    pass,
  );
  f.openssl('rsa', '-in', '@pkcs8.pem', '-pubout', '-out', '@spki.pem');
  f.openssl('rsa', '-in', '@pkcs8.pem', '-RSAPublicKey_out', '-out', '@pkcs1-public.pem');
  f.openssl(
    'req',
    '-new',
    '-x509',
    '-key',
    '@pkcs8.pem',
    '-subj',
    '/CN=fixture',
    '-days',
    '30',
    '-out',
    '@cert.pem',
  );
  f.openssl('rsa', '-in', '@pkcs8.pem', '-traditional', '-outform', 'DER', '-out', '@pkcs1.der');
  f.openssl(
    'pkcs8',
    '-topk8',
    '-nocrypt',
    '-in',
    '@pkcs8.pem',
    '-outform',
    'DER',
    '-out',
    '@pkcs8.der',
  );
  f.openssl('pkey', '-in', '@pkcs8.pem', '-pubout', '-outform', 'DER', '-out', '@spki.der');
  f.openssl('x509', '-in', '@cert.pem', '-outform', 'DER', '-out', '@cert.der');
}
