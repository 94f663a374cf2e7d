/**
 * OpenSSH key forms, through sshpk: `-----BEGIN OPENSSH PRIVATE KEY-----` (what `ssh-keygen -t rsa`
 * writes today, optionally bcrypt-pbkdf + aes256-ctr encrypted) and `ssh-rsa AAAA… comment` lines.
 * Node's crypto reads neither, so sshpk re-encodes them as PKCS#8/SPKI for `node:crypto`.
 */

import { Buffer } from 'node:buffer';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type sshpkModule from 'sshpk';
import { KeyError } from './errors.js';

let loaded: typeof sshpkModule | undefined;
/** sshpk on first use: it is ~8 MiB of resident memory that PEM-only servers never need. */
function sshpk(): typeof sshpkModule {
  loaded ??= createRequire(import.meta.url)('sshpk') as typeof sshpkModule;
  return loaded;
}

// Public key line types ssh-keygen can write; anything but ssh-rsa is refused as not RSA.
const SSH_PUBLIC_LINE = /^(ssh-rsa|ssh-ed25519|ssh-dss|ecdsa-sha2-\S+|sk-\S+)\s+[A-Za-z0-9+/=]+/;

/** True when the line looks like an OpenSSH public key (`ssh-rsa AAAA… comment`). */
export function isOpenSshPublicLine(line: string): boolean {
  return SSH_PUBLIC_LINE.test(line);
}

/**
 * Imports an OpenSSH-format private key (canonical PEM text).
 * @throws KeyError KEY_PASSPHRASE_REQUIRED, KEY_PASSPHRASE_WRONG, KEY_NOT_RSA, KEY_UNREADABLE
 */
export function importOpenSshPrivateKey(pem: string, passphrase?: string | Uint8Array): KeyObject {
  let parsed: sshpkModule.PrivateKey;
  try {
    const options = passphrase === undefined ? {} : { passphrase: Buffer.from(passphrase) };
    parsed = sshpk().parsePrivateKey(pem, 'openssh', options);
  } catch (err) {
    throw mapSshpkError(err, 'OpenSSH private key');
  }
  if (parsed.type !== 'rsa') {
    throw new KeyError('KEY_NOT_RSA', `OpenSSH ${parsed.type} private key`);
  }
  try {
    return createPrivateKey({ key: parsed.toString('pkcs8'), format: 'pem' });
  } catch (err) {
    throw new KeyError('KEY_UNREADABLE', 'OpenSSH private key', { cause: err });
  }
}

/**
 * Imports one `ssh-rsa AAAA… comment` line.
 * @throws KeyError KEY_NOT_RSA for other key types, KEY_UNREADABLE for damaged lines
 */
export function importOpenSshPublicKey(line: string): KeyObject {
  const type = SSH_PUBLIC_LINE.exec(line)?.[1];
  if (type !== undefined && type !== 'ssh-rsa') {
    throw new KeyError('KEY_NOT_RSA', `OpenSSH ${type} public key`);
  }
  let parsed: sshpkModule.Key;
  try {
    parsed = sshpk().parseKey(line, 'ssh');
  } catch (err) {
    throw mapSshpkError(err, 'OpenSSH public key');
  }
  if (parsed.type !== 'rsa') throw new KeyError('KEY_NOT_RSA', `OpenSSH ${parsed.type} public key`);
  try {
    return createPublicKey({ key: parsed.toString('pkcs8'), format: 'pem' });
  } catch (err) {
    throw new KeyError('KEY_UNREADABLE', 'OpenSSH public key', { cause: err });
  }
}

function mapSshpkError(err: unknown, what: string): KeyError {
  const name = err instanceof Error ? err.name : '';
  const message = err instanceof Error ? err.message : '';
  if (name === 'KeyEncryptedError') return new KeyError('KEY_PASSPHRASE_REQUIRED', what);
  // sshpk checks the two "checkint" words after decryption; a mismatch means a wrong passphrase.
  if (/incorrect passphrase/i.test(message)) {
    return new KeyError('KEY_PASSPHRASE_WRONG', what, { cause: err });
  }
  if (/unsupported (cipher|kdf)|unknown (cipher|kdf)/i.test(message)) {
    return new KeyError('KEY_FORMAT_UNSUPPORTED', what, { cause: err });
  }
  return new KeyError('KEY_UNREADABLE', what, { cause: err });
}
