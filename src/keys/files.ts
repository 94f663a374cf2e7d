/**
 * Key files on disk: reading with clear per-file errors, passphrases from a file or a TTY prompt,
 * and writing private keys with mode 0600 and no silent overwrite. Errors name the file exactly
 * as the caller gave it (the CLI passes what the user typed, so `/srv/keys/nope.pem` stays
 * `/srv/keys/nope.pem`); a caller that resolved the path itself passes `displayName` so no message
 * carries an absolute path the user did not type.
 */
import { Buffer } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { lstat, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { VerificationKey } from '../contracts/verification-key.js';
import { KeyError } from './errors.js';
import { jwkThumbprint } from './jwk.js';
import { promptHidden } from './prompt.js';
import {
  MAX_KEY_INPUT_BYTES,
  type PrivateKeyFormat,
  type ReadPublicKey,
  readPrivateKey,
  readPublicKeys,
} from './read.js';

/** How to obtain the passphrase of an encrypted key file. */
export interface PassphraseOptions {
  /** A file whose first line is the passphrase. */
  passphraseFile?: string;
  /** The passphrase itself (for library callers; the CLI never takes it as an argument). */
  passphrase?: string;
  /** Ask on the terminal when the key is encrypted, no passphrase was given and stdin is a TTY. */
  promptPassphrase?: boolean;
  /** How messages name the key file (default: `path` as given); for callers that resolved it. */
  displayName?: string;
}

/** A verification key as the token key ring takes it, with every field known. */
export interface LoadedVerificationKey extends VerificationKey {
  kid: string;
  alg: 'RS256';
  key: KeyObject;
  label: string;
}

const MAX_PASSPHRASE_FILE_BYTES = 64 * 1024;
const PROMPT_ATTEMPTS = 3;

/**
 * The file name to show in messages: the path exactly as the caller gave it. An admin who typed
 * `/srv/keys/nope.pem` must see which of several same-named files is meant; a path the user
 * never typed (resolved by a caller) is hidden by passing `displayName` to the loaders instead.
 */
export function displayPath(path: string, displayName?: string): string {
  return displayName ?? path;
}

/**
 * Reads and imports a private key file (any form {@link readPrivateKey} accepts).
 * @example await loadPrivateKeyFile('key.pem', { passphraseFile: 'pass.txt' })
 */
export function loadPrivateKeyFile(
  path: string,
  opts: PassphraseOptions = {},
): Promise<{ key: KeyObject; format: PrivateKeyFormat }> {
  return loadKeyFile(path, opts, readPrivateKey);
}

/**
 * Reads every RSA public key in a file (public or private forms, certificates, JWK/JWKS, OpenSSH).
 * Like {@link loadPrivateKeyFile} it can decrypt an encrypted private key to derive its public half.
 */
export function loadPublicKeysFile(
  path: string,
  opts: PassphraseOptions & { keepRefused?: boolean } = {},
): Promise<ReadPublicKey[]> {
  const keep = opts.keepRefused === true ? { keepRefused: true } : {};
  return loadKeyFile(path, opts, (input, o) => readPublicKeys(input, { ...o, ...keep }));
}

type KeyReader<T> = (input: Uint8Array, opts: { passphrase?: string | Uint8Array }) => T;

/** Reads the file, then the key: with the given passphrase, or by asking on the TTY if allowed. */
async function loadKeyFile<T>(
  path: string,
  opts: PassphraseOptions,
  read: KeyReader<T>,
): Promise<T> {
  const shown = displayPath(path, opts.displayName);
  const bytes = await readBoundedFile(
    path,
    MAX_KEY_INPUT_BYTES,
    'KEY_FILE_NOT_FOUND',
    'KEY_FILE_UNREADABLE',
    shown,
  );
  const passphrase = await resolvePassphrase(opts);
  try {
    return read(bytes, passphrase === undefined ? {} : { passphrase });
  } catch (err) {
    if (!needsPrompt(err, passphrase, opts)) throw prefixed(err, shown);
  }
  // Like ssh and openssl: three attempts at the terminal before giving up.
  for (let attempt = 1; ; attempt++) {
    const typed = await promptHidden(`Passphrase for ${shown}: `);
    try {
      return read(bytes, { passphrase: typed });
    } catch (err) {
      const wrong = err instanceof KeyError && err.code === 'KEY_PASSPHRASE_WRONG';
      if (!wrong || attempt >= PROMPT_ATTEMPTS) throw prefixed(err, shown);
      process.stderr.write('Wrong passphrase, try again.\n');
    }
  }
}

/**
 * Loads the keys a verifier trusts from one file. kid = the JWK's kid when present, else the RFC
 * 7638 thumbprint; label = the file's base name. Encrypted private keys are refused: a verifier
 * needs only the public key.
 */
export async function loadVerificationKeys(
  path: string,
  opts: Pick<PassphraseOptions, 'displayName'> = {},
): Promise<LoadedVerificationKey[]> {
  let keys: ReadPublicKey[];
  const shown = displayPath(path, opts.displayName);
  try {
    keys = await loadPublicKeysFile(path, opts);
  } catch (err) {
    if (!(err instanceof KeyError && err.code === 'KEY_PASSPHRASE_REQUIRED')) throw err;
    const hint = `encrypted private key; configure its public key (\`portcullis key show ${shown} --pem\`)`;
    throw new KeyError('KEY_PASSPHRASE_REQUIRED', `${shown}: ${hint}`);
  }
  const label = basename(path);
  return keys.map(({ key, kid }) => ({ kid: kid ?? jwkThumbprint(key), alg: 'RS256', key, label }));
}

/**
 * Writes a private key PEM with mode 0600. Refuses to replace an existing file unless
 * `force`; a forced write replaces the file atomically (never leaving a half-written key).
 */
export function writePrivateKeyFile(
  path: string,
  pem: string,
  opts: { force?: boolean } = {},
): Promise<void> {
  return writeNewFile(path, pem, 0o600, opts.force === true);
}

/** Writes a public artefact (public key, certificate) with mode 0644, same overwrite rules. */
export function writePublicFile(
  path: string,
  text: string,
  opts: { force?: boolean } = {},
): Promise<void> {
  return writeNewFile(path, text, 0o644, opts.force === true);
}

/** Refuses early (before slow work) when `path` exists and `force` is not set. */
export async function assertOutputFree(path: string, force = false): Promise<void> {
  if (force) return;
  try {
    await lstat(path);
  } catch {
    return;
  }
  throw new KeyError('KEY_FILE_EXISTS', displayPath(path));
}

async function writeNewFile(
  path: string,
  text: string,
  mode: number,
  force: boolean,
): Promise<void> {
  // O_EXCL also refuses a planted symlink; a forced write goes through a temporary file + rename.
  const target = force
    ? join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
    : path;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(target, 'wx', mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'EEXIST' ? 'KEY_FILE_EXISTS' : 'KEY_FILE_UNWRITABLE';
    throw new KeyError(reason, displayPath(path), { cause: err });
  }
  try {
    await handle.writeFile(text);
    await handle.close();
    if (force) await rename(target, path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(target).catch(() => undefined);
    throw new KeyError('KEY_FILE_UNWRITABLE', displayPath(path), { cause: err });
  }
}

async function resolvePassphrase(opts: PassphraseOptions): Promise<string | Buffer | undefined> {
  if (opts.passphrase !== undefined) return opts.passphrase;
  if (opts.passphraseFile === undefined) return undefined;
  const path = opts.passphraseFile;
  const bytes = await readBoundedFile(
    path,
    MAX_PASSPHRASE_FILE_BYTES,
    'KEY_PASSPHRASE_FILE_UNREADABLE',
    'KEY_PASSPHRASE_FILE_UNREADABLE',
  );
  // Like OpenSSL's `-passin file:`, only the first line counts (editors add a final newline).
  const newline = bytes.indexOf(0x0a);
  let line = newline === -1 ? bytes : bytes.subarray(0, newline);
  if (line.at(-1) === 0x0d) line = line.subarray(0, -1);
  if (line.length === 0) throw new KeyError('KEY_PASSPHRASE_FILE_UNREADABLE', displayPath(path));
  return Buffer.from(line);
}

function needsPrompt(err: unknown, passphrase: unknown, opts: PassphraseOptions): boolean {
  return (
    err instanceof KeyError &&
    err.code === 'KEY_PASSPHRASE_REQUIRED' &&
    passphrase === undefined &&
    opts.promptPassphrase === true &&
    process.stdin.isTTY === true
  );
}

function prefixed(err: unknown, shown: string): unknown {
  return err instanceof KeyError ? err.withPrefix(shown) : err;
}

async function readBoundedFile(
  path: string,
  limit: number,
  missing: 'KEY_FILE_NOT_FOUND' | 'KEY_PASSPHRASE_FILE_UNREADABLE',
  unreadable: 'KEY_FILE_UNREADABLE' | 'KEY_PASSPHRASE_FILE_UNREADABLE',
  shown: string = displayPath(path),
): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK so a FIFO given by mistake cannot hang the process.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const notFound = code === 'ENOENT' || code === 'ENOTDIR';
    throw new KeyError(notFound ? missing : unreadable, shown, { cause: err });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new KeyError(unreadable, `${shown} is not a regular file`);
    if (info.size > limit) throw new KeyError('KEY_INPUT_TOO_LARGE', shown);
    return await handle.readFile();
  } catch (err) {
    if (err instanceof KeyError) throw err;
    throw new KeyError(unreadable, shown, { cause: err });
  } finally {
    await handle.close();
  }
}

/** Why {@link readRegularFileSync} refused a file. */
export type FileReadFailure = 'missing' | 'not-regular' | 'too-large' | 'unreadable';

/** What {@link readRegularFileSync} throws: the reason, and the system error as the cause. */
export class RegularFileError extends Error {
  readonly reason: FileReadFailure;
  constructor(reason: FileReadFailure, options?: { cause?: unknown }) {
    super(
      {
        missing: 'no such file',
        'not-regular': 'not a regular file (a FIFO, device or directory)',
        'too-large': 'larger than its size limit',
        unreadable: 'cannot be read (or changed while it was read)',
      }[reason],
      options,
    );
    this.reason = reason;
  }
}

/**
 * Reads a whole regular file of at most `limit` bytes, for the files a server reads at start and
 * on reload (TLS certificate and key, client CA bundle, CRLs, the config file). Opened with
 * O_NONBLOCK and checked with fstat before a byte is read, so a FIFO or device (/dev/zero) put
 * in place by mistake or by an attacker never blocks the process; reads stop at `limit` even if
 * the file grows while it is read.
 * @throws RegularFileError naming the reason (never the path).
 * @example const pem = readRegularFileSync('/etc/portcullis/tls.crt', 1024 * 1024)
 */
export function readRegularFileSync(path: string, limit: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT' || code === 'ENOTDIR';
    throw new RegularFileError(missing ? 'missing' : 'unreadable', { cause: err });
  }
  try {
    let info: ReturnType<typeof fstatSync>;
    try {
      info = fstatSync(fd);
    } catch (err) {
      throw new RegularFileError('unreadable', { cause: err });
    }
    if (!info.isFile()) throw new RegularFileError('not-regular');
    if (info.size > limit) throw new RegularFileError('too-large');
    // One byte more than fstat said tells a file that grew since (being written): refused.
    const buf = Buffer.alloc(info.size + 1);
    let n = 0;
    try {
      for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, n);
    } catch (err) {
      throw new RegularFileError('unreadable', { cause: err });
    }
    if (n > info.size) throw new RegularFileError('unreadable');
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
