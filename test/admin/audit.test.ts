/**
 * Audit log, dashboard stats, change log and settings through the admin API, over events
 * inserted into a real store (as the audit sink would).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DownloadEvent } from '../../src/contracts/download-event.js';
import {
  type AdminFixture,
  addAccount,
  adminFixture,
  bearer,
  login,
  problemOf,
} from './helpers.js';

let fx: AdminFixture;
let admin: string;
let reader: string;
// Recent enough that the store's own clock keeps the stats bucket count small.
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 3_600_000;

function event(i: number, over: Partial<DownloadEvent> = {}): DownloadEvent {
  return {
    time: T0 + i * 60_000,
    method: 'GET',
    path: `/apps/app-${i % 3}.ipa`,
    status: 200,
    outcome: 'OK',
    bytesSent: 1000,
    clientAddress: '192.0.2.10',
    durationMs: 5,
    via: 'file',
    ...over,
  };
}

beforeAll(async () => {
  fx = await adminFixture();
  await addAccount(fx.store, 'alice', 'admin');
  await addAccount(fx.store, 'rita', 'read-only');
  admin = await login(fx.app, 'alice');
  reader = await login(fx.app, 'rita');
  const events = Array.from({ length: 30 }, (_, i) =>
    i % 5 === 0
      ? {
          ...event(i, {
            status: 401,
            outcome: 'TOKEN_EXPIRED',
            path: '/apps/secret, "quoted".pkg',
          }),
          configurationId: null,
        }
      : { ...event(i), configurationId: 'cfg-1' },
  );
  await fx.store.audit.insert(events);
});
afterAll(async () => fx.close());

describe('GET /api/v1/audit', () => {
  it('filters by outcome and pages with nextCursor', async () => {
    const res = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/audit?outcome=TOKEN_EXPIRED&limit=4',
      headers: bearer(reader),
    });
    expect(res.statusCode).toBe(200);
    const page = res.json() as {
      items: Array<{ outcome: string; id: number }>;
      nextCursor: string | null;
    };
    expect(page.items).toHaveLength(4);
    expect(page.items.every((e) => e.outcome === 'TOKEN_EXPIRED')).toBe(true);
    expect(page.nextCursor).not.toBeNull();
    const next = await fx.app.inject({
      method: 'GET',
      url: `/api/v1/audit?outcome=TOKEN_EXPIRED&limit=4&cursor=${encodeURIComponent(page.nextCursor!)}`,
      headers: bearer(reader),
    });
    const rest = next.json() as { items: Array<{ id: number }>; nextCursor: string | null };
    expect(rest.items).toHaveLength(2);
    expect(rest.nextCursor).toBeNull();
    expect(new Set([...page.items, ...rest.items].map((e) => e.id)).size).toBe(6);
  });

  it('filters by path prefix, time window and configuration', async () => {
    const byPath = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/audit?path=/apps/app-1*&configurationId=cfg-1',
      headers: bearer(reader),
    });
    const items = byPath.json().items as Array<{ path: string; configurationId: string }>;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((e) => e.path === '/apps/app-1.ipa' && e.configurationId === 'cfg-1')).toBe(
      true,
    );
    const since = new Date(T0 + 25 * 60_000).toISOString();
    const windowed = await fx.app.inject({
      method: 'GET',
      url: `/api/v1/audit?since=${since}`,
      headers: bearer(reader),
    });
    expect(windowed.json().items).toHaveLength(5);
  });

  it('exports CSV with Accept: text/csv as an attachment', async () => {
    const res = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/audit?outcome=TOKEN_EXPIRED',
      headers: { ...bearer(reader), accept: 'text/csv' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain('attachment');
    const lines = res.body.trim().split(/\r?\n/);
    expect(lines).toHaveLength(7);
    expect(res.body).toContain('"/apps/secret, ""quoted"".pkg"');
  });

  it('refuses bad query parameters', async () => {
    for (const q of ['limit=0', 'limit=5000', 'since=yesterday', 'bogus=1']) {
      const res = await fx.app.inject({
        method: 'GET',
        url: `/api/v1/audit?${q}`,
        headers: bearer(reader),
      });
      expect(problemOf(res).code, q).toBe('VALIDATION_FAILED');
    }
  });
});

describe('stats, changes and settings', () => {
  it('aggregates ok/refused per bucket for the dashboard', async () => {
    const res = await fx.app.inject({
      method: 'GET',
      url: `/api/v1/audit/stats?since=${T0}&bucket=15m`,
      headers: bearer(reader),
    });
    expect(res.statusCode).toBe(200);
    const stats = res.json() as {
      buckets: Array<{ ok: number; refused: number }>;
      byOutcome: Record<string, number>;
      bucketMs: number;
    };
    expect(stats.bucketMs).toBe(900_000);
    expect(stats.buckets.reduce((n, b) => n + b.ok + b.refused, 0)).toBe(30);
    expect(stats.byOutcome).toMatchObject({ OK: 24, TOKEN_EXPIRED: 6 });
    expect(
      problemOf(
        await fx.app.inject({
          method: 'GET',
          url: '/api/v1/audit/stats?bucket=7m',
          headers: bearer(reader),
        }),
      ).code,
    ).toBe('VALIDATION_FAILED');
  });

  it('reads and writes the retention setting and records who changed it', async () => {
    expect(
      (
        await fx.app.inject({ method: 'GET', url: '/api/v1/settings', headers: bearer(reader) })
      ).json(),
    ).toEqual({
      auditRetentionDays: 90,
      auditMaxRows: 1_000_000,
      keyRotationDays: 365,
      sessionMaxHours: 12,
    });
    const put = await fx.app.inject({
      method: 'PUT',
      url: '/api/v1/settings',
      headers: bearer(admin),
      payload: { auditRetentionDays: 30 },
    });
    expect(put.json()).toEqual({
      auditRetentionDays: 30,
      auditMaxRows: 1_000_000,
      keyRotationDays: 365,
      sessionMaxHours: 12,
    });
    expect(await fx.store.settings.get('auditRetentionDays')).toBe('30');
    const rotation = await fx.app.inject({
      method: 'PUT',
      url: '/api/v1/settings',
      headers: bearer(admin),
      payload: { keyRotationDays: 180 },
    });
    expect(rotation.json()).toEqual({
      auditRetentionDays: 30,
      auditMaxRows: 1_000_000,
      keyRotationDays: 180,
      sessionMaxHours: 12,
    });
    const rows = await fx.app.inject({
      method: 'PUT',
      url: '/api/v1/settings',
      headers: bearer(admin),
      payload: { auditMaxRows: 50_000 },
    });
    expect(rows.json()).toMatchObject({ auditMaxRows: 50_000 });
    expect(await fx.store.settings.get('auditMaxRows')).toBe('50000');
    const readOnly = await fx.app.inject({
      method: 'PUT',
      url: '/api/v1/settings',
      headers: bearer(reader),
      payload: { auditMaxRows: 1 },
    });
    expect(readOnly.statusCode).toBe(403);
    const zero = await fx.app.inject({
      method: 'PUT',
      url: '/api/v1/settings',
      headers: bearer(admin),
      payload: { keyRotationDays: 0 },
    });
    expect(problemOf(zero).code).toBe('VALIDATION_FAILED');
    const bad = await fx.app.inject({
      method: 'PUT',
      url: '/api/v1/settings',
      headers: bearer(admin),
      payload: { auditRetentionDays: 99999 },
    });
    expect(problemOf(bad).code).toBe('VALIDATION_FAILED');
    const changes = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/changes?action=settings.update',
      headers: bearer(reader),
    });
    expect(changes.json().items[2]).toMatchObject({
      actor: 'alice',
      action: 'settings.update',
      details: { auditRetentionDays: 30 },
    });
    expect(changes.json().items[1]).toMatchObject({ details: { keyRotationDays: 180 } });
    expect(changes.json().items[0]).toMatchObject({ details: { auditMaxRows: 50_000 } });
  });
});
