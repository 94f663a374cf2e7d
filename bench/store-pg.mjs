/**
 * bench:store (PostgreSQL part) — why it exists: issue 14's two goals for a fleet on one
 * PostgreSQL store. 1. Audit ingestion with two nodes writing: two processes, each inserting
 * back to back in batches of 1000 (the audit sink's batch size on PostgreSQL, one flush at a
 * time, as a node does under load; BENCH_BATCH overrides), 9 in 10 successful downloads and 1 in 10 anonymous refusals (which fold into
 * aggregate rows); reports events/s summed over both. Goal: >= 20,000/s. 2. Propagation: node A
 * disables or enables a configuration, node B's store key source (1 s poll, as serve runs it)
 * notices and reloads its keys; reports the median and worst of 20. Goal: median < 1 s.
 *
 * Runs against PORTCULLIS_BENCH_DATABASE_URL (default the local server, postgres@127.0.0.1:5432)
 * in a schema of its own, dropped at the end. Bounded: BENCH_MS per ingestion run (default 5000).
 * Usage: npm run bench:store   (needs dist/: the script builds first)
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { openPostgresStore } = await import(join(ROOT, 'dist/store/postgres.js'));
const { storeKeySource } = await import(join(ROOT, 'dist/store/key-source.js'));

const URL_ =
  process.env.PORTCULLIS_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MS = Number(process.env.BENCH_MS ?? 5000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);

if (process.argv[2] === 'node') {
  // One "node": its own store (pool), batches back to back until the deadline.
  const [, , , schema, deadline] = process.argv;
  const store = await openPostgresStore({ databaseUrl: URL_, schema });
  let seq = 0;
  const event = () => {
    seq++;
    const refused = seq % 10 === 0;
    return {
      time: Date.now(),
      method: 'GET',
      path: `/apps/app-${seq % 500}.ipa`,
      status: refused ? 401 : 200,
      outcome: refused ? 'TOKEN_MISSING' : 'OK',
      bytesSent: refused ? 0 : 123456,
      clientAddress: `10.0.${seq % 4}.${seq % 200}`,
      ...(refused ? {} : { tokenFingerprint: 'abcdef0123456789', keyLabel: 'cfg-1', kid: 'k1' }),
      durationMs: 1.25,
      userAgent: 'com.jamf.management.Jamf',
      via: 'file',
    };
  };
  let events = 0;
  const start = performance.now();
  while (Date.now() < Number(deadline)) {
    await store.audit.insert(Array.from({ length: BATCH }, event));
    events += BATCH;
  }
  const seconds = (performance.now() - start) / 1000;
  await store.close();
  process.send({ events, seconds });
  process.exit(0);
}

const admin = new pg.Pool({ connectionString: URL_, max: 1 });
const schema = `bench_store_${process.pid}`;
await admin.query(`CREATE SCHEMA ${schema}`);
try {
  // Migrate once before the clock starts.
  await (await openPostgresStore({ databaseUrl: URL_, schema })).close();

  const deadline = Date.now() + 1500 + MS;
  const runs = await Promise.all(
    ['A', 'B'].map(
      () =>
        new Promise((resolve, reject) => {
          const child = fork(fileURLToPath(import.meta.url), ['node', schema, String(deadline)]);
          child.on('message', resolve);
          child.on('exit', (code) => code !== 0 && reject(new Error(`node exited ${code}`)));
        }),
    ),
  );
  const events = runs.reduce((n, r) => n + r.events, 0);
  const seconds = Math.max(...runs.map((r) => r.seconds));
  const check = await openPostgresStore({ databaseUrl: URL_, schema });
  const stats = await check.audit.stats({ since: 0, bucketMs: 3_600_000 * 1_000_000 });
  const counted = Object.values(stats.byOutcome).reduce((a, b) => a + b, 0);
  const rows = await check.audit.rowCount();

  // Propagation: A writes, B's key source notices (1 s poll) and reloads.
  const a = check;
  const b = await openPostgresStore({ databaseUrl: URL_, schema });
  const id = randomUUID();
  const { generateKeyPairSync } = await import('node:crypto');
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await a.configurations.create({
    id,
    displayName: 'bench',
    privateKeyCiphertext: 'v1:opaque',
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    kid: 'bench',
    fingerprint: 'SHA256:bench',
    keyBits: 2048,
    certificatePem: null,
    tokenExpirySeconds: 300,
    enabled: true,
    createdBy: 'bench',
  });
  const source = storeKeySource(b);
  await source.load();
  let changed = () => {};
  const stop = source.watch(() => changed());
  const delays = [];
  for (let i = 0; i < 20; i++) {
    // Start at a random point of B's poll cycle, as a real change would.
    await new Promise((r) => setTimeout(r, Math.random() * 1000));
    const enabled = i % 2 === 1;
    const seen = new Promise((resolve) => {
      changed = async () => {
        const keys = await source.load();
        if ((keys.length === 1) === enabled) resolve();
      };
    });
    const t0 = performance.now();
    await a.configurations.update(id, { enabled });
    await seen;
    delays.push(performance.now() - t0);
  }
  stop();
  await b.close();
  await a.close();
  delays.sort((x, y) => x - y);
  const median = (delays[9] + delays[10]) / 2;
  const result = {
    ingestion: {
      nodes: 2,
      batch: BATCH,
      events,
      seconds: Number(seconds.toFixed(2)),
      eventsPerSecond: Math.round(events / seconds),
      goal: '>= 20000',
      requestsCountedInRollups: counted,
      rowsStored: rows,
    },
    propagation: {
      samples: 20,
      medianMs: Math.round(median),
      worstMs: Math.round(delays[19]),
      goal: 'median < 1000',
    },
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}
