/** The store secret: sources, file permissions, mismatch detection and context binding. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decryptSecret,
  encryptSecret,
  loadOrCreateSecret,
  SECRET_CHECK_FILE,
  SECRET_FILE,
} from '../../src/store/secret.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { configInput } from './contract.js';

const root = mkdtempSync(join(tmpdir(), 'portcullis-secret-'));
let n = 0;
const freshDir = () => join(root, `d${++n}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const posix = process.platform !== 'win32';

describe('loadOrCreateSecret', () => {
  it('creates a 32-byte secret.key with mode 0600 in a 0700 dir, and reloads the same key', async () => {
    const dir = freshDir();
    const first = await loadOrCreateSecret(dir, {});
    expect(first).toHaveLength(32);
    if (posix) {
      expect(statSync(join(dir, SECRET_FILE)).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, SECRET_CHECK_FILE)).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    }
    expect(Buffer.from(await loadOrCreateSecret(dir, {}))).toEqual(Buffer.from(first));
  });

  it('uses PORTCULLIS_SECRET (hex, base64 or passphrase) and writes no key file', async () => {
    const raw = randomBytes(32);
    for (const value of [raw.toString('hex'), raw.toString('base64'), raw.toString('base64url')]) {
      const dir = freshDir();
      const key = await loadOrCreateSecret(dir, { PORTCULLIS_SECRET: value });
      expect(Buffer.from(key)).toEqual(raw);
      expect(() => statSync(join(dir, SECRET_FILE))).toThrow();
    }
    const a = await loadOrCreateSecret(freshDir(), { PORTCULLIS_SECRET: 'a long passphrase here' });
    const b = await loadOrCreateSecret(freshDir(), { PORTCULLIS_SECRET: 'a long passphrase here' });
    expect(Buffer.from(a)).toEqual(Buffer.from(b));
    expect(a).toHaveLength(32);
  });

  it('refuses a wrong PORTCULLIS_SECRET with STORE_SECRET_MISMATCH', async () => {
    const dir = freshDir();
    await loadOrCreateSecret(dir, { PORTCULLIS_SECRET: 'the original passphrase' });
    await expect(
      loadOrCreateSecret(dir, { PORTCULLIS_SECRET: 'a different passphrase' }),
    ).rejects.toMatchObject({ code: 'STORE_SECRET_MISMATCH' });
    // Dropping the variable must not silently mint a new key either.
    await expect(loadOrCreateSecret(dir, {})).rejects.toMatchObject({
      code: 'STORE_SECRET_MISMATCH',
    });
    expect(() => statSync(join(dir, SECRET_FILE))).toThrow();
  });

  it('refuses to replace a lost secret.key, and never names the absolute path', async () => {
    const dir = freshDir();
    await loadOrCreateSecret(dir, {});
    unlinkSync(join(dir, SECRET_FILE));
    const err = await loadOrCreateSecret(dir, {}).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'STORE_SECRET_MISMATCH' });
    expect((err as Error).message).not.toContain(root);
  });

  it('refuses a malformed secret.key with STORE_SECRET_INVALID', async () => {
    const dir = freshDir();
    await loadOrCreateSecret(dir, {});
    writeFileSync(join(dir, SECRET_FILE), 'not base64 of 32 bytes');
    await expect(loadOrCreateSecret(dir, {})).rejects.toMatchObject({
      code: 'STORE_SECRET_INVALID',
    });
  });

  it('refuses a data directory that cannot be created, naming no absolute path', async () => {
    const blocker = join(root, `file-${++n}`);
    writeFileSync(blocker, 'x');
    const err = await loadOrCreateSecret(join(blocker, 'data'), {}).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'STORE_SECRET_INVALID' });
    expect((err as Error).message).not.toContain(root);
  });

  it('refuses a too-short PORTCULLIS_SECRET passphrase', async () => {
    await expect(
      loadOrCreateSecret(freshDir(), { PORTCULLIS_SECRET: 'short' }),
    ).rejects.toMatchObject({ code: 'STORE_SECRET_INVALID' });
  });
});

describe('encryptSecret / decryptSecret', () => {
  const key = new Uint8Array(randomBytes(32));
  const pem = '-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n';

  it('round-trips strings and bytes, with a versioned format and a fresh IV each time', () => {
    const a = encryptSecret(key, pem, 'configuration:1');
    const b = encryptSecret(key, pem, 'configuration:1');
    expect(a).toMatch(/^v1:[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('PRIVATE');
    expect(Buffer.from(decryptSecret(key, a, 'configuration:1')).toString()).toBe(pem);
    const bytes = new Uint8Array([0, 1, 2, 255]);
    expect(decryptSecret(key, encryptSecret(key, bytes, 'x'), 'x')).toEqual(bytes);
  });

  it('binds the ciphertext to its context: swapping between configurations fails', () => {
    const c1 = encryptSecret(key, 'key of one', 'configuration:1');
    const c2 = encryptSecret(key, 'key of two', 'configuration:2');
    expect(() => decryptSecret(key, c1, 'configuration:2')).toThrow(
      expect.objectContaining({ code: 'STORE_SECRET_MISMATCH' }),
    );
    expect(() => decryptSecret(key, c2, 'configuration:1')).toThrow(
      expect.objectContaining({ code: 'STORE_SECRET_MISMATCH' }),
    );
  });

  it('refuses the wrong key and tampered or malformed ciphertexts', () => {
    const c = encryptSecret(key, 'secret', 'ctx');
    const other = new Uint8Array(randomBytes(32));
    expect(() => decryptSecret(other, c, 'ctx')).toThrow(
      expect.objectContaining({ code: 'STORE_SECRET_MISMATCH' }),
    );
    const raw = Buffer.from(c.slice(3), 'base64url');
    raw[raw.length - 1]! ^= 1;
    expect(() => decryptSecret(key, `v1:${raw.toString('base64url')}`, 'ctx')).toThrow(
      expect.objectContaining({ code: 'STORE_SECRET_MISMATCH' }),
    );
    for (const bad of ['', 'v2:abcd', 'v1:', 'v1:short', c.replace('v1:', 'v1:!')]) {
      expect(() => decryptSecret(key, bad, 'ctx')).toThrow(
        expect.objectContaining({ code: 'STORE_CIPHERTEXT_INVALID' }),
      );
    }
    expect(() => encryptSecret(new Uint8Array(16), 'x', 'ctx')).toThrow(TypeError);
  });

  it('stores the key as one line of base64 text', () => {
    if (!posix) return;
    const dir = freshDir();
    return loadOrCreateSecret(dir, {}).then(() => {
      expect(readFileSync(join(dir, SECRET_FILE), 'utf8').trim()).toMatch(/^[A-Za-z0-9+/]+=*$/);
    });
  });
});

describe('secrets stored in configurations', () => {
  it('cannot be swapped between two stored configurations', async () => {
    const dir = freshDir();
    const secret = await loadOrCreateSecret(dir, {});
    const store = openSqliteStore({ dataDir: dir });
    try {
      const [a, b] = [configInput(), configInput()];
      for (const c of [a, b]) {
        c.privateKeyCiphertext = encryptSecret(
          secret,
          `private key of ${c.id}`,
          `configuration:${c.id}`,
        );
        await store.configurations.create(c);
      }
      // An attacker with write access to the database copies a's key onto b.
      await store.configurations.update(b.id, { privateKeyCiphertext: a.privateKeyCiphertext });
      const stored = (await store.configurations.get(b.id))!;
      expect(() =>
        decryptSecret(secret, stored.privateKeyCiphertext, `configuration:${b.id}`),
      ).toThrow(expect.objectContaining({ code: 'STORE_SECRET_MISMATCH' }));
      const own = (await store.configurations.get(a.id))!;
      const plain = decryptSecret(secret, own.privateKeyCiphertext, `configuration:${a.id}`);
      expect(Buffer.from(plain).toString()).toBe(`private key of ${a.id}`);
    } finally {
      await store.close();
    }
  });
});
