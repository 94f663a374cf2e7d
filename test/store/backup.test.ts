/** Online backup: a consistent, openable copy taken while the store is in use. */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupSqliteStore } from '../../src/store/sqlite/backup.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { configInput, downloadEvent } from './contract.js';

const root = mkdtempSync(join(tmpdir(), 'portcullis-backup-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('backupSqliteStore', () => {
  it('copies committed data (including WAL contents) while the store stays open', async () => {
    const data = join(root, 'data');
    const store = openSqliteStore({ dataDir: data });
    const cfg = await store.configurations.create(configInput());
    await store.audit.insert(Array.from({ length: 500 }, () => downloadEvent()));
    const out = join(root, 'backup.db');
    const { pages } = await backupSqliteStore(data, out);
    expect(pages).toBeGreaterThan(0);
    await store.audit.insert([downloadEvent()]); // after the backup: not in it
    if (process.platform !== 'win32') expect(statSync(out).mode & 0o777).toBe(0o600);

    const copy = openSqliteStore({ file: out });
    expect(await copy.configurations.get(cfg.id)).toEqual(cfg);
    expect((await copy.audit.query({ limit: 1000 })).items).toHaveLength(500);
    await copy.close();
    await store.close();
  });

  it('refuses to overwrite an existing file unless forced, and a missing database', async () => {
    const data = join(root, 'data2');
    await openSqliteStore({ dataDir: data }).close();
    const out = join(root, 'exists.db');
    writeFileSync(out, 'keep me');
    await expect(backupSqliteStore(data, out)).rejects.toMatchObject({ code: 'STORE_CONFLICT' });
    await backupSqliteStore(data, out, { force: true });
    const copy = openSqliteStore({ file: out });
    expect(await copy.accounts.count()).toBe(0);
    await copy.close();
    await expect(backupSqliteStore(join(root, 'none'), join(root, 'x.db'))).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
  });
});
