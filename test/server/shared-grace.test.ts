/**
 * Resume grace shared through PostgreSQL, at the public surface: two content listeners (two
 * "nodes", each on its own store connection to one schema) behind an imagined load balancer. A
 * token first used on A resumes on B after exp; a token no node saw before exp gets nothing (and
 * repeating it costs one database lookup, not one per request); a normal download never waits
 * for the database and never looks there; with B's database gone B keeps its own memory and
 * answers, never 500; expired records are deleted.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import type { GraceStore } from '../../src/contracts/grace-store.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { Store } from '../../src/store/types.js';
import { eventually } from '../helpers/wait.js';
import { pgTestDatabase } from '../store/pg-test-db.js';
import { makeKey, removeDir, sign, startQuiet, type TestKey, tempDir } from './serve-helpers.js';

const db = await pgTestDatabase();
const T0 = 1_800_000_000; // seconds
let nowMs = T0 * 1000;
let dir: string;
let key: TestKey;
let storeA: Store;
let storeB: Store;
let a: RunningServer;
let b: RunningServer;
/** Calls the nodes made to the shared store, by method. */
const calls = { record: 0, find: 0, purge: 0 };
/** While set, node A's writes hang (a slow database) — downloads must not notice. */
let stallWrites = false;

/** The real store's grace records, counted; writes can be made to hang. */
function counted(store: GraceStore, stall: boolean): GraceStore {
  return {
    record: async (r) => {
      calls.record++;
      if (stall && stallWrites) await new Promise((resolve) => setTimeout(resolve, 5000));
      return store.record(r);
    },
    find: (...args) => {
      calls.find++;
      return store.find(...args);
    },
    purge: (t) => {
      calls.purge++;
      return store.purge(t);
    },
  };
}

beforeAll(async () => {
  if (!db) return;
  key = makeKey();
  dir = await tempDir();
  for (const f of ['App.ipa', 'Other.ipa', 'Mine.ipa']) {
    await writeFile(join(dir, f), Buffer.alloc(100_000, 1));
  }
  const schema = await db.createSchema();
  const open = () => openPostgresStore({ databaseUrl: db.url, schema, maxConnections: 4 });
  [storeA, storeB] = [await open(), await open()];
  const keySource = { load: async () => [{ key: key.publicKey }], describe: () => 'k' };
  const base = { root: dir, keySource, clock: () => nowMs, resumeGrace: 600, leeway: 0 };
  a = await startQuiet({ ...base, graceStore: counted(storeA.grace!, true) });
  b = await startQuiet({ ...base, graceStore: counted(storeB.grace!, false) });
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await storeA?.close();
  await storeB?.close().catch(() => {});
  if (dir) await removeDir(dir);
  await db?.dropAll();
});

const get = async (server: RunningServer, path: string, token: string, range?: string) => {
  const res = await fetch(
    `${server.url}${path}?token=${token}`,
    range ? { headers: { range } } : {},
  );
  const body = await res.arrayBuffer();
  return { status: res.status, length: body.byteLength };
};

describe.skipIf(!db)('resume grace across two nodes on PostgreSQL', () => {
  it('resumes on node B a download a token started on node A, and only that file', async () => {
    nowMs = T0 * 1000;
    const token = sign(key, { now: T0, expiresIn: 300 });
    expect((await get(a, '/App.ipa', token, 'bytes=0-999')).status).toBe(206);
    nowMs = (T0 + 400) * 1000; // 100 s after exp
    // A's first use is written behind (within ~200 ms): B answers from the database then.
    await eventually(async () => (await get(b, '/App.ipa', token, 'bytes=1000-')).status === 206);
    expect(await get(b, '/App.ipa', token, 'bytes=1000-')).toEqual({ status: 206, length: 99_000 });
    expect((await get(b, '/App.ipa', token)).status).toBe(401); // not a resume
    expect((await get(b, '/Other.ipa', token, 'bytes=0-')).status).toBe(401); // another file
    nowMs = (T0 + 300 + 601) * 1000; // past exp + grace, on either node
    expect((await get(b, '/App.ipa', token, 'bytes=1000-')).status).toBe(401);
    expect((await get(a, '/App.ipa', token, 'bytes=1000-')).status).toBe(401);
  });

  it('gives no grace on any node to a token first presented after exp', async () => {
    nowMs = (T0 + 1000) * 1000;
    const token = sign(key, { now: T0 + 500, expiresIn: 300 });
    for (const node of [a, b]) {
      const res = await fetch(`${node.url}/App.ipa?token=${token}`, {
        headers: { range: 'bytes=0-' },
      });
      expect(res.status).toBe(401);
      expect((await res.json()).code).toBe('TOKEN_EXPIRED');
    }
  });

  it('asks the database once, not per request, about an expired token nobody saw', async () => {
    nowMs = (T0 + 1500) * 1000;
    const token = sign(key, { now: T0 + 1000, expiresIn: 300, claims: { n: 'unseen' } });
    const before = calls.find;
    for (let i = 0; i < 20; i++) {
      expect((await get(b, '/App.ipa', token, `bytes=${i}-`)).status).toBe(401);
    }
    expect(calls.find - before).toBe(1);
  });

  it('never makes a valid download look up or wait for the database', async () => {
    nowMs = (T0 + 2000) * 1000;
    const before = { ...calls };
    stallWrites = true;
    try {
      const started = performance.now();
      for (let i = 0; i < 20; i++) {
        const token = sign(key, { now: T0 + 2000, expiresIn: 300, claims: { n: `valid-${i}` } });
        expect((await get(a, '/App.ipa', token, 'bytes=0-99')).status).toBe(206);
      }
      // Twenty downloads while every write hangs 5 s: none of them waited for it.
      expect(performance.now() - started).toBeLessThan(4000);
      expect(calls.find).toBe(before.find);
    } finally {
      stallWrites = false;
    }
  });

  it('keeps grace from its own memory, and answers, when its database is gone', async () => {
    nowMs = (T0 + 3000) * 1000;
    const mine = sign(key, { now: T0 + 3000, expiresIn: 300, claims: { n: 'seen-by-b' } });
    const theirs = sign(key, { now: T0 + 3000, expiresIn: 300, claims: { n: 'seen-by-a' } });
    expect((await get(b, '/Mine.ipa', mine, 'bytes=0-9')).status).toBe(206);
    expect((await get(a, '/Mine.ipa', theirs, 'bytes=0-9')).status).toBe(206);
    await storeB.close();
    nowMs = (T0 + 3400) * 1000;
    expect((await get(b, '/Mine.ipa', mine, 'bytes=10-')).status).toBe(206);
    // B cannot ask the database about A's token: no grace, a plain refusal (not a 500).
    expect((await get(b, '/Mine.ipa', theirs, 'bytes=10-')).status).toBe(401);
  });

  it('deletes records once exp + grace has passed, and never answers with an expired one', async () => {
    const grace = storeA.grace!;
    await grace.record([
      { fingerprint: 'old', path: '/x', exp: 100, keepUntil: 700 },
      { fingerprint: 'new', path: '/x', exp: 100, keepUntil: 5_000 },
    ]);
    expect(await grace.find('old', '/x', 701)).toBeUndefined();
    expect(await grace.find('new', '/x', 701)).toMatchObject({ exp: 100 });
    expect(await grace.purge(701)).toBeGreaterThanOrEqual(1);
    expect(await grace.find('old', '/x', 0)).toBeUndefined();
    expect(await grace.find('new', '/x', 701)).toBeDefined();
  });
});
