/**
 * Human output shared by the key commands (keygen, key, cert): one place decides how a key is
 * summarised so every command prints the same labels.
 */
import type { KeyObject } from 'node:crypto';
import { statSync } from 'node:fs';
import { describeKey, keyFingerprint } from '../keys/index.js';
import { CliError } from './run.js';

/** Human names of the key encodings `readPrivateKey`/`readPublicKeys` report. */
export const FORMAT_NAMES: Record<string, string> = {
  pkcs1: 'PKCS#1 private key (BEGIN RSA PRIVATE KEY)',
  pkcs8: 'PKCS#8 private key (BEGIN PRIVATE KEY)',
  'pkcs1-encrypted': 'encrypted PKCS#1 private key (Proc-Type/DEK-Info)',
  'pkcs8-encrypted': 'encrypted PKCS#8 private key (BEGIN ENCRYPTED PRIVATE KEY)',
  openssh: 'OpenSSH private key',
  jwk: 'JWK',
  jwks: 'JWKS member',
  spki: 'public key (BEGIN PUBLIC KEY)',
  'pkcs1-public': 'PKCS#1 public key (BEGIN RSA PUBLIC KEY)',
  x509: 'X.509 certificate',
  'openssh-public': 'OpenSSH public key',
};

/** Lines describing a key: type/size, fingerprint, kid. */
export function keySummaryLines(key: KeyObject, kid?: string): string[] {
  const d = describeKey(key, kid === undefined ? {} : { kid });
  return [
    `Type:        RSA ${d.bits} bits`,
    `Fingerprint: SHA256 ${d.fingerprint}`,
    `Key ID:      ${d.kid}${kid === undefined ? ' (RFC 7638 thumbprint)' : ''}`,
  ];
}

/** Type and fingerprint of any public key, RSA or not (for describing refused keys). */
export function describeAnyKey(key: KeyObject): { type: string; fingerprint: string } {
  const details = key.asymmetricKeyDetails;
  const type = key.asymmetricKeyType ?? 'unknown';
  const size = details?.modulusLength ?? undefined;
  const curve = details?.namedCurve;
  const label = `${type.toUpperCase()}${size ? ` ${size} bits` : ''}${curve ? ` (${curve})` : ''}`;
  return { type: label, fingerprint: keyFingerprint(key) };
}

/** Like {@link keySummaryLines}, also for keys RS256 refuses (not RSA: no kid). */
export function refusedSummaryLines(key: KeyObject, kid?: string): string[] {
  if (key.asymmetricKeyType === 'rsa') return keySummaryLines(key, kid);
  const d = describeAnyKey(key);
  return [`Type:        ${d.type}`, `Fingerprint: SHA256 ${d.fingerprint}`];
}

/** Parses `--format pkcs1|pkcs8`. */
export function privateFormatOption(value: string): 'pkcs1' | 'pkcs8' {
  if (value === 'pkcs1' || value === 'pkcs8') return value;
  throw new CliError(`invalid --format "${value}": use pkcs1 (Jamf-ready, default) or pkcs8`);
}

/** Passphrase options for `loadPrivateKeyFile`: a file if given, else a TTY prompt. */
export function passphraseOptions(passphraseFile: string | undefined): {
  passphraseFile?: string;
  promptPassphrase: boolean;
} {
  return passphraseFile === undefined
    ? { promptPassphrase: true }
    : { passphraseFile, promptPassphrase: false };
}

// Forms that can only hold a private key (a JWK may hold either, so it is not listed).
const PRIVATE_FORMATS = new Set([
  'pkcs1',
  'pkcs8',
  'pkcs1-encrypted',
  'pkcs8-encrypted',
  'openssh',
]);

/**
 * Warns on stderr, like ssh does, when a private key file is readable by group or others.
 * Only a warning: the command still runs, since the key is already exposed either way.
 */
export function warnIfExposed(path: string, format: string): void {
  if (!PRIVATE_FORMATS.has(format)) return;
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return;
  }
  if ((mode & 0o077) === 0) return;
  const octal = mode.toString(8).padStart(4, '0');
  process.stderr.write(
    `warning: ${path} holds a private key and other users can read it (mode ${octal}); fix: chmod 600 ${path}\n`,
  );
}
