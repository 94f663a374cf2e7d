/**
 * The store secret: a 32-byte key that encrypts private keys and shared secrets at rest
 * (AES-256-GCM, with the record it belongs to as associated data, so a ciphertext copied
 * onto another record does not decrypt).
 *
 * Source, in order: PORTCULLIS_SECRET (base64 or hex of 32 bytes, else a passphrase stretched
 * with scrypt), or `<dataDir>/secret.key` (created 0600 on first start). A small check value in
 * `<dataDir>/secret.check` detects a wrong or lost secret at start-up instead of at first use.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from './errors.js';

/** File names inside the data directory. */
export const SECRET_FILE = 'secret.key';
export const SECRET_CHECK_FILE = 'secret.check';

const CHECK_CONTEXT = 'portcullis:secret-check';
const CHECK_PLAINTEXT = 'portcullis';
// A fixed salt keeps passphrase → key deterministic across hosts sharing one database.
const PASSPHRASE_SALT = 'portcullis-store-secret-v1';

/** Interprets PORTCULLIS_SECRET: exact 32-byte base64/hex, otherwise a passphrase. */
export function secretFromEnvValue(value: string): Uint8Array {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return new Uint8Array(Buffer.from(v, 'hex'));
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(v)) {
    const bytes = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) return new Uint8Array(bytes);
  }
  if (v.length < 12) {
    throw new StoreError(
      'STORE_SECRET_INVALID',
      'PORTCULLIS_SECRET is too short: use 32 random bytes (base64 or hex) or a passphrase of 12+ characters.',
    );
  }
  return new Uint8Array(
    scryptSync(v, PASSPHRASE_SALT, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }),
  );
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError('STORE_SECRET_INVALID', 'The secret files cannot be read.', {
      cause: err,
    });
  }
}

/** Creates `<dataDir>/secret.key` exclusively; if another process won the race, reads its key. */
async function createKeyFile(file: string): Promise<Uint8Array> {
  const key = randomBytes(32);
  try {
    await writeFile(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(file, 0o600);
    return new Uint8Array(key);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw unwritable(err);
    return parseKeyFile((await readFile(file, 'utf8')) ?? '');
  }
}

/** fs errors name absolute paths; the coded error keeps only the errno code. */
function unwritable(err: unknown): StoreError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return new StoreError('STORE_SECRET_INVALID', `The secret files cannot be written (${code}).`, {
    cause: err,
  });
}

function parseKeyFile(text: string): Uint8Array {
  const bytes = Buffer.from(text.trim(), 'base64');
  if (bytes.length !== 32) throw new StoreError('STORE_SECRET_INVALID');
  return new Uint8Array(bytes);
}

/** Refuses a secret that does not decrypt the check value; writes the check on first use. */
async function verifyOrWriteCheck(dataDir: string, secret: Uint8Array): Promise<void> {
  const file = join(dataDir, SECRET_CHECK_FILE);
  const check = await readIfExists(file);
  if (check === undefined) {
    const value = encryptSecret(secret, CHECK_PLAINTEXT, CHECK_CONTEXT);
    try {
      await writeFile(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw unwritable(err);
      return verifyOrWriteCheck(dataDir, secret);
    }
  }
  try {
    decryptSecret(secret, check.trim(), CHECK_CONTEXT);
  } catch (err) {
    throw new StoreError(
      'STORE_SECRET_MISMATCH',
      'The store secret does not match the one this data directory was created with: set PORTCULLIS_SECRET (or restore secret.key) to the original value.',
      { cause: err },
    );
  }
}

/**
 * Loads the store secret (see the file comment for the sources).
 * Throws STORE_SECRET_MISMATCH when the secret differs from the one the data was written with,
 * or when secret.key is missing but data encrypted with it exists.
 */
export async function loadOrCreateSecret(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Uint8Array> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    throw new StoreError(
      'STORE_SECRET_INVALID',
      `The data directory cannot be created (${err.code}).`,
      {
        cause: err,
      },
    );
  });
  let secret: Uint8Array;
  if (env.PORTCULLIS_SECRET) {
    secret = secretFromEnvValue(env.PORTCULLIS_SECRET);
  } else {
    const file = join(dataDir, SECRET_FILE);
    const text = await readIfExists(file);
    if (text !== undefined) {
      secret = parseKeyFile(text);
    } else if ((await readIfExists(join(dataDir, SECRET_CHECK_FILE))) !== undefined) {
      throw new StoreError(
        'STORE_SECRET_MISMATCH',
        'secret.key is missing but data was encrypted with a secret: restore secret.key or set PORTCULLIS_SECRET.',
      );
    } else {
      secret = await createKeyFile(file);
    }
  }
  await verifyOrWriteCheck(dataDir, secret);
  return secret;
}

function assertKey(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== 32) {
    throw new TypeError('The store secret must be 32 bytes');
  }
}

/**
 * Encrypts with AES-256-GCM; `context` (e.g. 'configuration:<id>') is bound as associated data.
 * @returns 'v1:' + base64url(iv ‖ tag ‖ ciphertext)
 */
export function encryptSecret(
  secret: Uint8Array,
  plaintext: string | Uint8Array,
  context: string,
): string {
  assertKey(secret);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', secret, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  const body = Buffer.concat([cipher.update(data), cipher.final()]);
  return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

/** Reverses `encryptSecret`; STORE_SECRET_MISMATCH when the key or the context is wrong. */
export function decryptSecret(secret: Uint8Array, ciphertext: string, context: string): Uint8Array {
  assertKey(secret);
  const m = /^v1:([A-Za-z0-9_-]+)$/.exec(ciphertext);
  const raw = m ? Buffer.from(m[1]!, 'base64url') : Buffer.alloc(0);
  if (raw.length < 28) throw new StoreError('STORE_CIPHERTEXT_INVALID');
  const decipher = createDecipheriv('aes-256-gcm', secret, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  try {
    return new Uint8Array(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]));
  } catch (err) {
    throw new StoreError(
      'STORE_SECRET_MISMATCH',
      'A stored secret cannot be decrypted: the store secret is wrong, or the value belongs to another record.',
      { cause: err },
    );
  }
}
