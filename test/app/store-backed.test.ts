/**
 * composeStoreBacked without a server: --key files are combined with store keys, the banner is
 * printed once, and a data directory with a different secret is refused without leaving
 * anything open.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyColumns } from '../../src/admin/configuration-material.js';
import { composeStoreBacked } from '../../src/app/store-backed.js';
import { resolveServeConfig } from '../../src/server/config.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-compose-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('composeStoreBacked', () => {
  it('combines --key files with enabled store configurations', async () => {
    const fileKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    writeFileSync(join(dir, 'extra.pub.pem'), fileKey.export({ type: 'spki', format: 'pem' }));
    const config = resolveServeConfig({
      data: join(dir, 'data'),
      root: dir,
      keys: [join(dir, 'extra.pub.pem')],
      logLevel: 'silent',
    });
    const printed: string[] = [];
    const composed = await composeStoreBacked(config, { stderr: (t) => printed.push(t), env: {} });
    try {
      // Nothing until the listeners are up (the console URL is known only then); once after.
      expect(printed).toHaveLength(0);
      await composed.revealFirstAdmin('http://127.0.0.1:8081/admin');
      await composed.revealFirstAdmin('http://127.0.0.1:8081/admin');
      expect(printed).toHaveLength(1);
      expect(printed[0]).toContain('username: admin');
      expect(printed[0]).toContain('console : http://127.0.0.1:8081/admin');
      expect(composed.config.keys).toEqual(config.keys);
      const stored = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const id = '00000000-0000-4000-8000-000000000001';
      await composed.store.configurations.create({
        id,
        displayName: 'Stored',
        ...(await keyColumns(id, 'Stored', stored, composed.secret)),
        tokenExpirySeconds: 900,
        enabled: true,
        createdBy: null,
      });
      const keys = await composed.parts.keySource.load();
      expect(keys.map((k) => k.label)).toEqual(['extra.pub.pem', id]);
      expect(composed.parts.keySource.describe()).toContain('1 key file');
    } finally {
      await composed.close();
    }
    // Second start: no banner, same secret.
    const again = await composeStoreBacked(config, { stderr: (t) => printed.push(t), env: {} });
    expect(again.firstAdmin).toBeNull();
    await again.revealFirstAdmin('http://127.0.0.1:8081/admin');
    await again.close();
    expect(printed).toHaveLength(1);
  });

  it('runs audit retention unless told not to (cluster workers leave it to the primary)', async () => {
    const config = resolveServeConfig({ data: join(dir, 'data'), root: dir, logLevel: 'silent' });
    const old = {
      time: Date.now() - 400 * 86_400_000, // older than the default 90 days
      method: 'GET',
      path: '/old.ipa',
      status: 200,
      outcome: 'OK',
      bytesSent: 1,
      clientAddress: '127.0.0.1',
      durationMs: 1,
      via: 'file' as const,
    };
    const count = async (c: Awaited<ReturnType<typeof composeStoreBacked>>) =>
      (await c.store.audit.query({ path: '/old.ipa' })).items.length;
    const worker = await composeStoreBacked(config, {
      env: {},
      stderr: () => {},
      retention: false,
    });
    try {
      await worker.store.audit.insert([old]);
    } finally {
      await worker.close();
    }
    const again = await composeStoreBacked(config, { env: {}, stderr: () => {}, retention: false });
    try {
      expect(await count(again)).toBe(1);
    } finally {
      await again.close();
    }
    const primary = await composeStoreBacked(config, { env: {}, stderr: () => {} });
    await primary.close(); // close() waits for the retention pass that started with it
    const check = await composeStoreBacked(config, { env: {}, stderr: () => {}, retention: false });
    try {
      expect(await count(check)).toBe(0);
    } finally {
      await check.close();
    }
  });

  it('refuses a data directory encrypted with another secret and closes the store', async () => {
    const config = resolveServeConfig({ data: join(dir, 'data'), root: dir, logLevel: 'silent' });
    await expect(
      composeStoreBacked(config, {
        env: { PORTCULLIS_SECRET: 'a completely different secret value' },
        stderr: () => {},
      }),
    ).rejects.toMatchObject({ code: 'STORE_SECRET_MISMATCH' });
  });
});
