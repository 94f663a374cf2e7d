/** The audit part of the Store contract (split out to keep files small). */
import { describe, expect, it } from 'vitest';
import {
  AGGREGATE_ROW_CAPS,
  FULL_ROW_CAPS,
  TRUNCATION_MARKER,
} from '../../src/store/audit-policy.js';
import type { Store } from '../../src/store/types.js';
import { downloadEvent, expectCode } from './contract.js';

/** Registers the audit tests; `ctx.store` is a fresh store per test. */
export function registerAuditContract(ctx: { store: Store }): void {
  describe('audit', () => {
    it('round-trips events, omitting absent optional fields', async () => {
      const { store } = ctx;
      const full = downloadEvent({
        tokenFingerprint: 'fp',
        keyLabel: 'cfg-1',
        kid: 'k',
        userAgent: 'Jamf',
        via: 'auth',
      });
      await store.audit.insert([{ ...full, configurationId: 'cfg-1' }, downloadEvent()]);
      const { items, nextCursor } = await store.audit.query({});
      expect(nextCursor).toBeNull();
      expect(items).toHaveLength(2);
      const [bare, rich] = items;
      const single = { count: 1, aggregated: false, lastTime: full.time };
      expect(rich).toEqual({ ...full, ...single, id: rich!.id, configurationId: 'cfg-1' });
      expect(bare).toEqual({ ...downloadEvent(), ...single, id: bare!.id, configurationId: null });
      expect(bare!.id).toBeGreaterThan(rich!.id);
    });

    it('keeps the device certificate of a download, and a refused verified device in a row of its own', async () => {
      const { store } = ctx;
      const device = {
        clientCertSubject: 'CN=iPad-0042, O=Example School',
        clientCertSerial: '40C1B5B49C067343',
        clientCertIssuer: "CN=Jamf Pro's JSS Built-in CA, O=Example",
        via: 'file' as const,
      };
      const ok = downloadEvent(device);
      // Refused (a CRL revoked it), no token: still one row each, never folded into a counter.
      const revoked = downloadEvent({ ...device, status: 403, outcome: 'CLIENT_CERT_REVOKED' });
      await store.audit.insert([ok, revoked, { ...revoked, time: revoked.time + 1 }]);
      const { items } = await store.audit.query({});
      expect(items).toHaveLength(3);
      expect(items.every((e) => !e.aggregated && e.count === 1)).toBe(true);
      expect(items.at(-1)).toMatchObject(device);
      const long = downloadEvent({ ...device, clientCertSubject: `CN=${'x'.repeat(5000)}` });
      await store.audit.insert([long]);
      const [capped] = (await store.audit.query({ limit: 1 })).items;
      expect(capped!.clientCertSubject).toHaveLength(FULL_ROW_CAPS.clientCertSubject);
      expect(capped!.clientCertSubject!.endsWith(TRUNCATION_MARKER)).toBe(true);
    });

    it('pages newest first with a cursor, visiting every event exactly once', async () => {
      const { store } = ctx;
      await store.audit.insert(
        Array.from({ length: 25 }, (_, i) => downloadEvent({ time: 1000 + i, bytesSent: i })),
      );
      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.audit.query({ limit: 10, cursor });
        expect(page.items.length).toBeLessThanOrEqual(10);
        seen.push(...page.items.map((e) => e.bytesSent));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i));
    });

    it('filters by exact path, literal prefix, outcome, time range and configuration', async () => {
      const { store } = ctx;
      const paths = ['/a b/ü.ipa', '/a b/x.pkg', '/a_b/y.pkg', '/a%b/z.pdf', '/c.epub'];
      await store.audit.insert(
        paths.map((path, i) =>
          downloadEvent({
            path,
            time: 10_000 + i * 1000,
            outcome: i % 2 ? 'TOKEN_EXPIRED' : 'OK',
            status: i % 2 ? 401 : 200,
            // Refused after the signature verified: a full row each (not an aggregate).
            keyLabel: 'k',
            configurationId: i === 0 ? 'cfg' : null,
          } as never),
        ),
      );
      const pathsOf = async (q: Parameters<Store['audit']['query']>[0]) =>
        (await store.audit.query(q)).items.map((e) => e.path).sort();
      expect(await pathsOf({ path: '/a b/ü.ipa' })).toEqual(['/a b/ü.ipa']);
      expect(await pathsOf({ path: '/a b/*' })).toEqual(['/a b/x.pkg', '/a b/ü.ipa']);
      // '_' and '%' are literal characters, not LIKE wildcards.
      expect(await pathsOf({ path: '/a_*' })).toEqual(['/a_b/y.pkg']);
      expect(await pathsOf({ path: '/a%*' })).toEqual(['/a%b/z.pdf']);
      expect(await pathsOf({ outcome: 'TOKEN_EXPIRED' })).toEqual(['/a b/x.pkg', '/a%b/z.pdf']);
      expect(await pathsOf({ since: 11_000, until: 13_000 })).toEqual(['/a b/x.pkg', '/a_b/y.pkg']);
      expect(await pathsOf({ since: new Date(13_000).toISOString() })).toEqual([
        '/a%b/z.pdf',
        '/c.epub',
      ]);
      expect(await pathsOf({ configurationId: 'cfg' })).toEqual(['/a b/ü.ipa']);
    });

    it('refuses a forged cursor, a bad time and a bad limit with STORE_INVALID_QUERY', async () => {
      const { store } = ctx;
      await expectCode(store.audit.query({ cursor: "1' OR 1=1 --" }), 'STORE_INVALID_QUERY');
      await expectCode(
        store.audit.query({ cursor: Buffer.from('id:-1').toString('base64url') }),
        'STORE_INVALID_QUERY',
      );
      await expectCode(store.audit.query({ since: 'yesterday-ish' }), 'STORE_INVALID_QUERY');
      await expectCode(store.audit.query({ limit: 0 }), 'STORE_INVALID_QUERY');
      await expectCode(store.audit.query({ limit: 1.5 }), 'STORE_INVALID_QUERY');
    });

    it('clamps the page size to 1000', async () => {
      const { store } = ctx;
      await store.audit.insert(Array.from({ length: 1001 }, () => downloadEvent()));
      const page = await store.audit.query({ limit: 5000 });
      expect(page.items).toHaveLength(1000);
      expect(page.nextCursor).not.toBeNull();
      expect((await store.audit.query({})).items).toHaveLength(100);
    });

    it('aggregates buckets, outcomes and top downloads since a time, in requests', async () => {
      const { store } = ctx;
      const bucketMs = 600_000;
      // Minute-aligned: buckets narrower than an hour start on the minute.
      const since = Math.floor(Date.now() / 60_000) * 60_000 - 6 * bucketMs;
      await store.audit.insert([
        downloadEvent({ time: since - 1, path: '/old' }),
        downloadEvent({ time: since + 1, path: '/a' }),
        downloadEvent({ time: since + 2, path: '/a', status: 403, outcome: 'SIGNATURE_INVALID' }),
        downloadEvent({ time: since + 3, path: '/x', status: 401, outcome: 'TOKEN_MISSING' }),
        downloadEvent({ time: since + 4, path: '/y', status: 401, outcome: 'TOKEN_MISSING' }),
        downloadEvent({ time: since + bucketMs + 5, path: '/b', status: 304 }),
        downloadEvent({ time: since + bucketMs + 6, path: '/__proto__', outcome: '__proto__' }),
      ]);
      const stats = await store.audit.stats({ since: since + 30_000, bucketMs });
      expect(stats.since).toBe(since);
      expect(stats.buckets.length).toBeGreaterThanOrEqual(7);
      // The two anonymous refusals share one stored row but count as two requests.
      expect(stats.buckets[0]).toEqual({ t: since, ok: 1, refused: 3 });
      expect(stats.buckets[1]).toEqual({ t: since + bucketMs, ok: 2, refused: 0 });
      expect(stats.buckets[2]).toEqual({ t: since + 2 * bucketMs, ok: 0, refused: 0 });
      expect(stats.byOutcome).toEqual({
        OK: 2,
        SIGNATURE_INVALID: 1,
        TOKEN_MISSING: 2,
        ['__proto__']: 1,
      });
      expect(Object.getPrototypeOf(stats.byOutcome)).toBe(Object.prototype);
      // Top paths rank successful downloads only (refusals name whatever a client typed).
      const top = await store.audit.stats({ since: since - 3_600_000, bucketMs: 3_600_000 });
      expect(top.since % 3_600_000).toBe(0);
      expect(top.topPaths).toContainEqual({ path: '/a', count: 1 });
      expect(top.topPaths.map((p) => p.path)).not.toContain('/x');
      expect(top.buckets.reduce((n, b) => n + b.ok + b.refused, 0)).toBe(7);
      // Windows over two days rank from day rows: the same downloads, counted once.
      const week = await store.audit.stats({ since: since - 7 * 86_400_000, bucketMs: 86_400_000 });
      expect(week.topPaths).toEqual(top.topPaths);
      await expectCode(store.audit.stats({ since: 0, bucketMs: 1 }), 'STORE_INVALID_QUERY');
    });

    it('ranks top downloads exactly to the hour across quarter-day and day boundaries', async () => {
      const { store } = ctx;
      const HOUR = 3_600_000;
      const now = Date.now();
      const first = Math.floor(now / HOUR) * HOUR - 60 * HOUR;
      // One download per hour for 60 hours; path i % 7, so every window has its own ranking.
      const events = Array.from({ length: 61 }, (_, i) =>
        downloadEvent({ time: first + i * HOUR + 1, path: `/p${(i * i) % 7}` }),
      );
      await store.audit.insert(events);
      for (const back of [1, 5, 6, 7, 13, 24, 25, 30, 48, 59]) {
        const since = Math.floor(now / HOUR) * HOUR - back * HOUR;
        const expected = new Map<string, number>();
        for (const e of events) {
          if (e.time >= since) expected.set(e.path, (expected.get(e.path) ?? 0) + 1);
        }
        const want = [...expected]
          .map(([path, count]) => ({ path, count }))
          .sort((a, b) => b.count - a.count || (a.path < b.path ? -1 : 1));
        const got = await store.audit.stats({ since: since + 1234, bucketMs: HOUR });
        expect(got.topPaths, `${back} h back`).toEqual(want);
      }
    });

    it('purges events older than a time and reports how many (also past one chunk)', async () => {
      const { store } = ctx;
      await store.audit.insert([1000, 2000, 3000].map((time) => downloadEvent({ time })));
      expect(await store.audit.purgeOlderThan(2500)).toBe(2);
      expect((await store.audit.query({})).items.map((e) => e.time)).toEqual([3000]);
      await store.audit.insert(
        Array.from({ length: 12_000 }, (_, i) => downloadEvent({ time: i })),
      );
      expect(await store.audit.purgeOlderThan(11_000)).toBe(11_001);
      expect((await store.audit.query({ limit: 1000 })).items).toHaveLength(1000);
      expect((await store.audit.query({ until: 11_000 })).items).toHaveLength(0);
      expect(await store.audit.rowCount()).toBe(1000);
      // The rollups of hours wholly before the cutoff go with them.
      await store.audit.insert([downloadEvent({ time: 7_200_000 })]);
      expect(await store.audit.purgeOlderThan(10_800_000)).toBe(1001);
      const stats = await store.audit.stats({ since: 0, bucketMs: 86_400_000 * 1000 });
      expect(stats.byOutcome).toEqual({});
    });

    it('caps client-chosen fields with a visible marker, never splitting a character', async () => {
      const { store } = ctx;
      await store.audit.insert([
        downloadEvent({ userAgent: 'A'.repeat(10_000), path: `/${'😀'.repeat(3000)}` }),
      ]);
      const [row] = (await store.audit.query({})).items;
      expect(row!.userAgent).toHaveLength(FULL_ROW_CAPS.userAgent);
      expect(row!.userAgent!.endsWith(TRUNCATION_MARKER)).toBe(true);
      expect(row!.path.length).toBeLessThanOrEqual(FULL_ROW_CAPS.path);
      expect(row!.path.endsWith(`😀${TRUNCATION_MARKER}`)).toBe(true);
    });

    it('folds anonymous refusals into one row per minute, client network and outcome', async () => {
      const { store } = ctx;
      const minute = 1_700_000_040_000;
      const refusal = (i: number, over: Parameters<typeof downloadEvent>[0] = {}) =>
        downloadEvent({
          time: minute + i,
          status: 401,
          outcome: 'TOKEN_MISSING',
          path: `/probe-${i}-${'p'.repeat(3700)}`,
          userAgent: 'U'.repeat(600),
          ...over,
        });
      await store.audit.insert(Array.from({ length: 300 }, (_, i) => refusal(i)));
      await store.audit.insert([
        refusal(301),
        { ...refusal(302), count: 50, lastTime: minute + 59_000 },
        refusal(60_000), // next minute
        refusal(5, { outcome: 'SIGNATURE_INVALID', status: 403, tokenFingerprint: 'f1' }),
        refusal(6, { clientAddress: '2001:db8:1:2:aaaa::1' }),
        refusal(7, { clientAddress: '2001:db8:1:2:bbbb::2' }), // same /64
        refusal(8, { clientAddress: '198.51.100.7' }),
        // A verified token that is refused keeps its own row, as do downloads.
        refusal(9, { keyLabel: 'cfg', status: 404, outcome: 'NOT_FOUND' }),
        refusal(10, { keyLabel: 'cfg', status: 404, outcome: 'NOT_FOUND' }),
      ]);
      const { items } = await store.audit.query({ limit: 1000 });
      expect(items).toHaveLength(7);
      expect(await store.audit.rowCount()).toBe(7);
      const first = items.find((e) => e.outcome === 'TOKEN_MISSING' && e.time === minute)!;
      expect(first).toMatchObject({ count: 351, aggregated: true, lastTime: minute + 59_000 });
      // The row keeps the first request as a sample, with tighter caps.
      expect(first.path.startsWith('/probe-0-')).toBe(true);
      expect(first.path.length).toBeLessThanOrEqual(AGGREGATE_ROW_CAPS.path);
      expect(first.userAgent!.length).toBeLessThanOrEqual(AGGREGATE_ROW_CAPS.userAgent);
      expect(items.filter((e) => e.clientAddress.startsWith('2001:db8'))).toEqual([
        expect.objectContaining({ count: 2, clientAddress: '2001:db8:1:2:aaaa::1' }),
      ]);
      expect(items.filter((e) => e.outcome === 'NOT_FOUND')).toHaveLength(2);
      expect(items.filter((e) => e.outcome === 'NOT_FOUND').every((e) => !e.aggregated)).toBe(true);
      const stats = await store.audit.stats({ since: minute, bucketMs: 3_600_000 * 100_000 });
      expect(stats.byOutcome).toEqual({ TOKEN_MISSING: 355, SIGNATURE_INVALID: 1, NOT_FOUND: 2 });
    });

    it('pages a filter that matches rarely across many rows without skipping any', async () => {
      const { store } = ctx;
      const events = Array.from({ length: 45_000 }, (_, i) =>
        downloadEvent({ time: i, bytesSent: i, path: i % 9000 === 0 ? '/rare' : '/common' }),
      );
      for (let i = 0; i < events.length; i += 5000) {
        await store.audit.insert(events.slice(i, i + 5000));
      }
      const first = await store.audit.query({ path: '/rare', limit: 3 });
      expect(first.items.map((e) => e.bytesSent)).toEqual([36_000, 27_000, 18_000]);
      const rest = await store.audit.query({ path: '/rare', limit: 3, cursor: first.nextCursor! });
      expect(rest.items.map((e) => e.bytesSent)).toEqual([9000, 0]);
      expect(rest.nextCursor).toBeNull();
      expect((await store.audit.query({ path: '/ra*' })).items).toHaveLength(5);
    });

    it('trims the oldest rows beyond a row limit and keeps the row count and stats', async () => {
      const { store } = ctx;
      await store.audit.insert(
        Array.from({ length: 12_000 }, (_, i) => downloadEvent({ time: 1000 + i, bytesSent: i })),
      );
      expect(await store.audit.rowCount()).toBe(12_000);
      expect(await store.audit.purgeBeyondRows(20_000)).toBe(0);
      expect(await store.audit.purgeBeyondRows(500)).toBe(11_500);
      expect(await store.audit.rowCount()).toBe(500);
      const { items } = await store.audit.query({ limit: 1000 });
      expect(items).toHaveLength(500);
      expect(items.at(-1)!.bytesSent).toBe(11_500);
      // Stats count requests seen, not rows kept.
      const stats = await store.audit.stats({ since: 0, bucketMs: 86_400_000 * 1000 });
      expect(stats.byOutcome).toEqual({ OK: 12_000 });
      await expect(store.audit.purgeBeyondRows(-1)).rejects.toThrow(TypeError);
    });
  });
}
