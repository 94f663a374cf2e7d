/** Shared fixtures for the serve tests: keys made once per file, temp roots, a quiet server. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type Agent, type IncomingMessage, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningServer, type ServeOptions, startServer } from '../../src/app/serve.js';
import { type SignOptions, signToken } from '../../src/token/sign.js';

/** An RSA key pair with its public PEM written to disk. */
export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicPem: string;
  privatePem: string;
}

/** Generates an RS256 key pair (2048 bits, like `openssl genrsa 2048`). */
export function makeKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    publicKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  };
}

/** A Jamf-shaped token. */
export function sign(key: TestKey, opts: SignOptions = {}): string {
  return signToken(key.privateKey, { expiresIn: '15m', ...opts });
}

/** A fresh temp directory; remove it with `rm(dir, { recursive: true, force: true })`. */
export function tempDir(prefix = 'portcullis-serve-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes a public key file and returns its path. */
export async function writeKeyFile(dir: string, name: string, key: TestKey): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, key.publicPem);
  return path;
}

/** Starts a single-process server on ephemeral ports with logging off. */
export function startQuiet(options: ServeOptions): Promise<RunningServer> {
  return startServer({
    port: 0,
    host: '127.0.0.1',
    adminPort: 0,
    workers: 1,
    logLevel: 'silent',
    ...options,
  });
}

/** Removes a directory tree. */
export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** Response headers as a plain object without the ones that vary per response (Date). */
/**
 * Sends a GET (no connection pooling unless `agent` is given) and resolves with the response as
 * soon as its headers arrive, body unread: for tests that hold downloads open or abort them.
 */
export function openDownload(
  url: string,
  headers: Record<string, string> = {},
  agent: Agent | false = false,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, resolve);
    req.on('error', reject);
    req.end();
  });
}

export function stableHeaders(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (k !== 'date' && k !== 'keep-alive' && k !== 'connection') out[k] = v;
  });
  return out;
}
