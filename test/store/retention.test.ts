/** Audit retention and first-admin creation. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ensureFirstAdmin } from '../../src/store/first-admin.js';
import { verifyPassword } from '../../src/store/passwords.js';
import {
  auditMaxRows,
  auditRetentionDays,
  DEFAULT_AUDIT_MAX_ROWS,
  DEFAULT_AUDIT_RETENTION_DAYS,
  runRetention,
  startRetention,
} from '../../src/store/retention.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { downloadEvent } from './contract.js';

const root = mkdtempSync(join(tmpdir(), 'portcullis-retention-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
let store: Store;
beforeEach(() => {
  store = openSqliteStore({ dataDir: join(root, `d${++n}`) });
});
afterEach(async () => {
  await store.close();
});

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);

describe('retention', () => {
  it('defaults to 90 days and honours the auditRetentionDays setting', async () => {
    expect(await auditRetentionDays(store)).toBe(DEFAULT_AUDIT_RETENTION_DAYS);
    expect(DEFAULT_AUDIT_RETENTION_DAYS).toBe(90);
    await store.settings.set('auditRetentionDays', '7');
    expect(await auditRetentionDays(store)).toBe(7);
    await store.settings.set('auditRetentionDays', 'lots');
    expect(await auditRetentionDays(store)).toBe(90);
  });

  it('purges audit events past the retention and expired revocations', async () => {
    await store.audit.insert([
      downloadEvent({ time: NOW - 91 * DAY, path: '/old' }),
      downloadEvent({ time: NOW - 89 * DAY, path: '/recent' }),
    ]);
    await store.revokedTokens.revoke('gone', NOW / 1000 - 1);
    await store.revokedTokens.revoke('kept', NOW / 1000 + 60);
    expect(await runRetention(store, { now: () => NOW })).toEqual({
      auditPurged: 1,
      auditTrimmed: 0,
      revokedPurged: 1,
    });
    expect((await store.audit.query({})).items.map((e) => e.path)).toEqual(['/recent']);
    expect(await store.revokedTokens.isRevoked('kept')).toBe(true);
    expect(await runRetention(store, { now: () => NOW, days: 1 })).toMatchObject({
      auditPurged: 1,
    });
  });

  it('keeps everything when retention is 0 days', async () => {
    await store.settings.set('auditRetentionDays', '0');
    await store.audit.insert([downloadEvent({ time: 0 })]);
    expect(await runRetention(store, { now: () => NOW })).toMatchObject({ auditPurged: 0 });
  });

  it('also keeps at most auditMaxRows rows (default 1,000,000; 0 = no limit), oldest first', async () => {
    expect(await auditMaxRows(store)).toBe(DEFAULT_AUDIT_MAX_ROWS);
    expect(DEFAULT_AUDIT_MAX_ROWS).toBe(1_000_000);
    await store.audit.insert(
      Array.from({ length: 30 }, (_, i) =>
        downloadEvent({ time: NOW - (30 - i) * 1000, bytesSent: i }),
      ),
    );
    await store.settings.set('auditMaxRows', '0');
    expect(await runRetention(store, { now: () => NOW })).toMatchObject({ auditTrimmed: 0 });
    await store.settings.set('auditMaxRows', '10');
    expect(await auditMaxRows(store)).toBe(10);
    expect(await runRetention(store, { now: () => NOW })).toMatchObject({
      auditPurged: 0,
      auditTrimmed: 20,
    });
    const kept = (await store.audit.query({})).items.map((e) => e.bytesSent);
    expect(kept).toEqual(Array.from({ length: 10 }, (_, i) => 29 - i));
    await store.settings.set('auditMaxRows', '-5');
    expect(await auditMaxRows(store)).toBe(DEFAULT_AUDIT_MAX_ROWS);
    await expect(runRetention(store, { maxRows: 1.5 })).rejects.toThrow(TypeError);
  });

  it('startRetention runs at once and on an interval until stopped, logging failures', async () => {
    await store.audit.insert([downloadEvent({ time: NOW - 100 * DAY })]);
    const warn = vi.fn();
    const job = startRetention(store, { now: () => NOW, intervalMs: 10, logger: { warn } });
    await job.idle();
    expect((await store.audit.query({})).items).toHaveLength(0);
    const purge = vi.spyOn(store.audit, 'purgeOlderThan').mockRejectedValue(new Error('x'));
    await vi.waitFor(() => expect(warn).toHaveBeenCalled());
    job.stop();
    await job.idle();
    const calls = purge.mock.calls.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(purge.mock.calls.length).toBe(calls);
  });
});

describe('ensureFirstAdmin', () => {
  it('creates admin once with a random one-time password that must be changed', async () => {
    const first = await ensureFirstAdmin(store);
    expect(first).toMatchObject({ username: 'admin' });
    expect(first!.password.length).toBeGreaterThanOrEqual(20);
    const account = await store.accounts.getByUsername('admin');
    expect(account).toMatchObject({ role: 'admin', mustChangePassword: true, disabled: false });
    expect(account!.passwordHash).not.toContain(first!.password);
    expect(await verifyPassword(first!.password, account!.passwordHash)).toBe(true);
    expect((await store.changes.query({})).items[0]).toMatchObject({ action: 'account.create' });
    expect(await ensureFirstAdmin(store)).toBeNull();
    expect(await store.accounts.count()).toBe(1);
  });

  it('does nothing when any account exists', async () => {
    await store.accounts.create({
      username: 'ops',
      passwordHash: 'scrypt$x',
      role: 'read-only',
      disabled: false,
      mustChangePassword: false,
    });
    expect(await ensureFirstAdmin(store)).toBeNull();
    expect(await store.accounts.getByUsername('admin')).toBeUndefined();
  });

  it('creates exactly one admin when two callers race', async () => {
    const other = openSqliteStore({ dataDir: join(root, `d${n}`) });
    const results = await Promise.all([ensureFirstAdmin(store), ensureFirstAdmin(other)]);
    await other.close();
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.accounts.count()).toBe(1);
  });
});
