/** The audit part of the Store contract (split out to keep files small). */
import { describe, expect, it } from 'vitest';
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
      expect(rich).toEqual({ ...full, id: rich!.id, configurationId: 'cfg-1' });
      expect(bare).toEqual({ ...downloadEvent(), id: bare!.id, configurationId: null });
      expect(bare!.id).toBeGreaterThan(rich!.id);
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

    it('aggregates buckets, outcomes and top paths since a time', async () => {
      const { store } = ctx;
      const bucketMs = 600_000;
      const since = Date.now() - 6 * bucketMs;
      await store.audit.insert([
        downloadEvent({ time: since - 1, path: '/old' }),
        downloadEvent({ time: since + 1, path: '/a' }),
        downloadEvent({ time: since + 2, path: '/a', status: 403, outcome: 'SIGNATURE_INVALID' }),
        downloadEvent({ time: since + bucketMs + 5, path: '/b', status: 304 }),
        downloadEvent({ time: since + bucketMs + 6, path: '/__proto__', outcome: '__proto__' }),
      ]);
      const stats = await store.audit.stats({ since, bucketMs });
      expect(stats.buckets.length).toBeGreaterThanOrEqual(7);
      expect(stats.buckets[0]).toEqual({ t: since, ok: 1, refused: 1 });
      expect(stats.buckets[1]).toEqual({ t: since + bucketMs, ok: 2, refused: 0 });
      expect(stats.buckets[2]).toEqual({ t: since + 2 * bucketMs, ok: 0, refused: 0 });
      expect(stats.byOutcome).toEqual({ OK: 2, SIGNATURE_INVALID: 1, ['__proto__']: 1 });
      expect(Object.getPrototypeOf(stats.byOutcome)).toBe(Object.prototype);
      expect(stats.topPaths[0]).toEqual({ path: '/a', count: 2 });
      expect(stats.topPaths.map((p) => p.path)).not.toContain('/old');
      await expectCode(store.audit.stats({ since: 0, bucketMs: 1 }), 'STORE_INVALID_QUERY');
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
    });

    it('truncates very long user agents', async () => {
      const { store } = ctx;
      await store.audit.insert([downloadEvent({ userAgent: 'A'.repeat(10_000) })]);
      expect((await store.audit.query({})).items[0]!.userAgent).toHaveLength(512);
    });
  });
}
