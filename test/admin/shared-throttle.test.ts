/**
 * The sign-in throttle shared through PostgreSQL, with two stores on one schema standing in
 * for two nodes (each its own pool, as two processes would have): a username throttled through
 * one is throttled through the other, a parallel burst split over both gets at most the budget
 * of verdicts, a reservation left unsettled by a dead node stops counting, what reaches the
 * database is a digest and not the typed username, and with the database away sign-in fails
 * closed (STORE_UNAVAILABLE), never unthrottled.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SharedLoginThrottle } from '../../src/admin/auth/shared-throttle.js';
import type { Attempt, Reservation } from '../../src/admin/auth/throttle.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { Store } from '../../src/store/types.js';
import { expectCode } from '../store/contract.js';
import { pgTestDatabase } from '../store/pg-test-db.js';

const db = await pgTestDatabase();
const stores: Store[] = [];
afterAll(async () => {
  for (const s of stores) await s.close().catch(() => {});
  await db?.dropAll();
});

let clock = Date.now();
const now = () => clock;

/** Two "nodes" on one fresh schema, each with its own pool and throttle. */
async function twoNodes(opts = { freeAttempts: 3, freeAttemptsPerAddress: 50 }) {
  const schema = await db!.createSchema();
  const open = () => openPostgresStore({ databaseUrl: db!.url, schema, maxConnections: 4, now });
  const [sa, sb] = [await open(), await open()];
  stores.push(sa, sb);
  return {
    schema,
    stores: [sa, sb] as const,
    a: new SharedLoginThrottle(sa.throttle!, { ...opts, now }),
    b: new SharedLoginThrottle(sb.throttle!, { ...opts, now }),
  };
}

const attempt = (r: Reservation): Attempt => {
  if ('retryAfter' in r) throw new Error(`refused for ${r.retryAfter} s`);
  return r.attempt;
};
const refused = (r: Reservation) => ('retryAfter' in r ? r.retryAfter : 0);

describe.skipIf(!db)('the sign-in throttle shared through PostgreSQL', () => {
  it('throttles on node B a username that failed on node A', async () => {
    const { a, b } = await twoNodes();
    for (let i = 0; i < 3; i++) await attempt(await a.reserve('alice', '192.0.2.1')).fail();
    // Another node, another address, another case: the same username.
    expect(refused(await b.reserve('ALICE', '198.51.100.7'))).toBe(1);
    clock += 1001;
    await attempt(await b.reserve('alice', '198.51.100.7')).fail();
    // The lock doubles, whichever node recorded the failure.
    expect(refused(await a.reserve('alice', '203.0.113.5'))).toBe(2);
    // Someone else is not held up.
    await attempt(await a.reserve('bob', '192.0.2.1')).succeed();
  });

  it('gives a burst split over two nodes at most the budget of verdicts', async () => {
    const { a, b } = await twoNodes();
    const rs = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).reserve('carol', `192.0.2.${i}`)),
    );
    const admitted = rs.filter((r) => 'attempt' in r);
    expect(admitted).toHaveLength(3);
    for (const r of admitted) await attempt(r).fail();
  });

  it('counts a reservation before its verdict, and forgets one a dead node never settled', async () => {
    const { a, b } = await twoNodes({ freeAttempts: 1, freeAttemptsPerAddress: 50 });
    // Node A reserves, then "dies" before settling: B must wait, not run a parallel guess.
    attempt(await a.reserve('dave', '192.0.2.1'));
    expect(refused(await b.reserve('dave', '192.0.2.2'))).toBe(1);
    clock += 61_000;
    await attempt(await b.reserve('dave', '192.0.2.2')).cancel();
  });

  it('stores digests, never the username or address as typed', async () => {
    const { a, schema } = await twoNodes();
    await attempt(await a.reserve('Mallory<script>', '192.0.2.77')).fail();
    const { rows } = await db!.admin.query(`SELECT key FROM ${schema}.sign_in_throttle`);
    expect(rows).toHaveLength(2);
    for (const { key } of rows) expect(key).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps no row for usernames a locked address merely names', async () => {
    const { a, schema } = await twoNodes({ freeAttempts: 5, freeAttemptsPerAddress: 2 });
    for (let i = 0; i < 2; i++) await attempt(await a.reserve(`u${i}`, '192.0.2.9')).fail();
    for (let i = 0; i < 50; i++)
      expect(refused(await a.reserve(`made-up-${i}`, '192.0.2.9'))).toBeGreaterThan(0);
    const { rows } = await db!.admin.query(
      `SELECT count(*)::int AS n FROM ${schema}.sign_in_throttle`,
    );
    // The address and the two usernames that really failed; none of the fifty.
    expect(rows[0].n).toBe(3);
  });

  it('refuses a flood past what it lets wait, without taking the pool from the rest', async () => {
    const schema = await db!.createSchema();
    const store = await openPostgresStore({
      databaseUrl: db!.url,
      schema,
      maxConnections: 10,
      now,
    });
    stores.push(store);
    const t = new SharedLoginThrottle(store.throttle!, { freeAttemptsPerAddress: 1000, now });
    let admittedSoFar = 0;
    const flood = Array.from({ length: 200 }, (_, i) =>
      t.reserve(`flood-${i}`, '192.0.2.50').then((r) => {
        if ('attempt' in r) admittedSoFar++;
        return r;
      }),
    );
    // Other work on the store is not queued behind the flood: it is answered while most of
    // the admitted reservations are still waiting their turn (the pool alone would answer it
    // after all of them).
    await new Promise((r) => setImmediate(r)); // every reservation has asked for its turn
    expect(await store.settings.get('nothing')).toBeUndefined();
    expect(admittedSoFar).toBeLessThan(34);
    const rs = await Promise.all(flood);
    // Four talk to the database, 64 wait their turn, the other 132 are refused without a query.
    expect(rs.filter((r) => 'attempt' in r)).toHaveLength(68);
    expect(rs.filter((r) => refused(r) === 1)).toHaveLength(132);
  });

  it('fails closed when the database is away', async () => {
    const { a, stores: pair } = await twoNodes();
    await pair[0].close();
    await expectCode(a.reserve('erin', '192.0.2.1'), 'STORE_UNAVAILABLE');
  });
});
