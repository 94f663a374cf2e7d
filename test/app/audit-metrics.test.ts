/**
 * `portcullis_audit_dropped_total` on the admin listener's /metrics: 0 while every download
 * event is kept, then exactly the number of events the bounded audit buffer had to let go
 * (a real SQLite store whose sink holds at most 5 events and is not flushed during the test).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import { type StoreAuditSink, storeAuditSink } from '../../src/store/audit-sink.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import {
  makeKey,
  removeDir,
  sign,
  startQuiet,
  type TestKey,
  tempDir,
} from '../server/serve-helpers.js';

let dir: string;
let key: TestKey;
let store: Store;
let sink: StoreAuditSink;
let server: RunningServer;

beforeAll(async () => {
  dir = await tempDir();
  key = makeKey();
  for (let i = 0; i < 8; i++) await writeFile(join(dir, `f${i}.ipa`), `file ${i}`);
  store = await openSqliteStore({ dataDir: join(dir, 'data') });
  sink = storeAuditSink(store, { maxQueue: 5, flushMs: 600_000, batchSize: 1000 });
  const keySource = { load: async () => [{ key: key.publicKey }], describe: () => 'k' };
  server = await startQuiet({ root: dir, keySource, auditSink: sink });
});

afterAll(async () => {
  await server?.close();
  await sink?.close();
  await store?.close();
  if (dir) await removeDir(dir);
});

const dropped = async () => {
  const text = await (await fetch(`${server.adminUrl}/metrics`)).text();
  const line = /^portcullis_audit_dropped_total (\d+)$/m.exec(text);
  expect(line, text).not.toBeNull();
  // The content listener's metrics are still there beside it.
  expect(text).toMatch(/^portcullis_store_degraded 0$/m);
  return Number(line![1]);
};

describe('portcullis_audit_dropped_total', () => {
  it('counts the download events the bounded audit buffer let go, and only those', async () => {
    const token = sign(key);
    for (let i = 0; i < 5; i++) {
      expect((await fetch(`${server.url}/f${i}.ipa?token=${token}`)).status).toBe(200);
    }
    expect(sink.pending).toBe(5);
    expect(await dropped()).toBe(0);
    for (let i = 5; i < 8; i++) {
      expect((await fetch(`${server.url}/f${i}.ipa?token=${token}`)).status).toBe(200);
    }
    expect(await dropped()).toBe(3);
    // A counter: a second scrape neither resets nor double-counts.
    expect(await dropped()).toBe(3);
  });
});
