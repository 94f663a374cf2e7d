/**
 * bench:store — why it exists: every content request becomes an audit row, so the store's write
 * path decides whether auditing can keep up with serving. This measures, in one run on a temp
 * file: raw node:sqlite inserts in one transaction per 200 rows (the floor: what the driver
 * can do), Store.audit.insert with batches of 200 (what the sink does), Store.audit.insert one
 * event per call (the naive peer the sink replaces), and the sink end to end. It also reports
 * the longest single flush (time the event loop is held), query/stats latency on the filled
 * table, and configuration reads (the key source reloads them; the admin API lists them).
 * Cases run for a bounded time each; local disk only; prints a table.
 *
 * Usage: npm run bench:store   (env BENCH_MS=milliseconds per case, default 1500)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { openSqliteStore } = await import(join(ROOT, 'dist/store/sqlite.js'));
const { storeAuditSink } = await import(join(ROOT, 'dist/store/audit-sink.js'));
const { immediate, openDatabase } = await import(join(ROOT, 'dist/store/sqlite/database.js'));

const MS = Number(process.env.BENCH_MS ?? 1500);
const BATCH = 200;
const CONFIGS = 50;
const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-store-'));

let seq = 0;
const event = () => ({
  time: Date.now(),
  method: 'GET',
  path: `/apps/app-${seq++ % 500}.ipa`,
  status: seq % 10 ? 200 : 401,
  outcome: seq % 10 ? 'OK' : 'TOKEN_EXPIRED',
  bytesSent: 123456,
  clientAddress: '127.0.0.1',
  tokenFingerprint: 'abcdef0123456789',
  keyLabel: '3f2b8c1e-0000-4000-8000-000000000001',
  kid: 'k1',
  durationMs: 1.25,
  userAgent: 'com.jamf.management.Jamf',
  via: 'file',
});

/** Runs `step` (which writes `perStep` rows) until MS elapses; returns rows/s. */
async function timed(perStep, step) {
  const start = performance.now();
  let rows = 0;
  while (performance.now() - start < MS) {
    await step();
    rows += perStep;
  }
  return rows / ((performance.now() - start) / 1000);
}

const results = [];
const store = openSqliteStore({ dataDir: join(dir, 'data') });
try {
  // Floor: the driver alone, same schema and file, one transaction per batch.
  const raw = openDatabase(join(dir, 'data', 'portcullis.db'), { timeoutMs: 5000 });
  const ins =
    raw.prepare(`INSERT INTO audit_events (time, method, path, status, outcome, bytes_sent,
    client_address, token_fingerprint, key_label, kid, duration_ms, user_agent, via, configuration_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const rawBatch = (events) =>
    immediate(raw, () => {
      for (const e of events) {
        ins.run(
          e.time,
          e.method,
          e.path,
          e.status,
          e.outcome,
          e.bytesSent,
          e.clientAddress,
          e.tokenFingerprint,
          e.keyLabel,
          e.kid,
          e.durationMs,
          e.userAgent,
          e.via,
          null,
        );
      }
    });
  results.push([
    'node:sqlite raw, 200/tx (floor)',
    await timed(BATCH, () => rawBatch(Array.from({ length: BATCH }, event))),
  ]);
  raw.close();

  results.push([
    'store.audit.insert, 200/call',
    await timed(BATCH, () => store.audit.insert(Array.from({ length: BATCH }, event))),
  ]);
  results.push([
    'store.audit.insert, 1/call (naive peer)',
    await timed(1, () => store.audit.insert([event()])),
  ]);

  // The sink end to end: record() as fast as possible, yielding like a server would.
  const sink = storeAuditSink(store, { batchSize: BATCH, flushMs: 100, maxQueue: 100_000 });
  let longestFlush = 0;
  const original = store.audit.insert;
  store.audit.insert = async (events) => {
    const t = performance.now();
    await original(events);
    longestFlush = Math.max(longestFlush, performance.now() - t);
  };
  const sinkRate = await timed(1000, async () => {
    for (let i = 0; i < 1000; i++) sink.record(event());
    await new Promise((r) => setImmediate(r));
  });
  await sink.close();
  store.audit.insert = original;
  results.push([`storeAuditSink.record (dropped ${sink.dropped})`, sinkRate]);

  // Configuration reads: one by id (admin API, signing) and the whole list (key-source reload).
  const ids = [];
  for (let i = 0; i < CONFIGS; i++) {
    const c = await store.configurations.create({
      id: `3f2b8c1e-0000-4000-8000-${String(i).padStart(12, '0')}`,
      displayName: `Jamf ${i}`,
      privateKeyCiphertext: 'v1:opaque',
      publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n',
      kid: `kid-${i}`,
      fingerprint: 'SHA256:abc',
      keyBits: 2048,
      certificatePem: null,
      tokenExpirySeconds: 300,
      enabled: true,
      createdBy: 'bench',
    });
    ids.push(c.id);
  }
  let next = 0;
  const getRate = await timed(1, () => store.configurations.get(ids[next++ % CONFIGS]));
  const listRate = await timed(1, () => store.configurations.list());

  const t1 = performance.now();
  const page = await store.audit.query({ path: '/apps/app-1*', outcome: 'OK', limit: 100 });
  const queryMs = performance.now() - t1;
  const t2 = performance.now();
  await store.audit.stats({ since: Date.now() - 3_600_000, bucketMs: 60_000 });
  const statsMs = performance.now() - t2;
  const total = (await store.audit.stats({ since: 0, bucketMs: 86_400_000 * 30000 })).buckets[0];

  console.log(`bench:store — ${MS} ms per case, Node ${process.version}`);
  console.log('case'.padEnd(44), 'rows/s');
  for (const [name, rate] of results)
    console.log(name.padEnd(44), Math.round(rate).toLocaleString('en'));
  console.log(`longest single sink flush (${BATCH} rows): ${longestFlush.toFixed(2)} ms`);
  console.log(`rows in table: ${(total.ok + total.refused).toLocaleString('en')}`);
  console.log(
    `audit.query (prefix + outcome, 100 of them, ${page.items.length} returned): ${queryMs.toFixed(2)} ms`,
  );
  console.log(`audit.stats (last hour, 60 buckets): ${statsMs.toFixed(2)} ms`);
  console.log(`configurations.get by id: ${Math.round(getRate).toLocaleString('en')} /s`);
  console.log(
    `configurations.list (${CONFIGS} rows): ${Math.round(listRate).toLocaleString('en')} /s`,
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
