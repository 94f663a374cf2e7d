/**
 * bench:audit — why it exists: issue 10 §6. An outside review grew the database by 441 MiB with
 * 50,000 anonymous refused requests (3.7 KB paths, 600-byte user agents), and at 250k audit rows
 * `/api/v1/audit/stats` (polled by the dashboard every 10 s) held the event loop 0.7–0.9 s. This
 * measures both goals the way users run Portcullis — the built CLI (`dist/cli/main.js serve`,
 * one process, so admin queries and downloads share one event loop), on 127.0.0.1 only:
 *
 *   1. flood: 50,000 token-less GETs (3.7 KB paths, 600-byte user agents, 32 keep-alive
 *      sockets); reports database + WAL growth while running and the database growth after the
 *      server stopped (SQLite checkpoints the WAL into the file on close). Goal: < 5 MiB.
 *   2. stats: fills a data directory with 1,000,000 audit rows spread over 30 days (through the
 *      Store, as the sink writes them), starts the CLI on it and times the dashboard's stats
 *      call. Goal: < 20 ms. While each heavy admin query runs (stats, a list filter that matches
 *      nothing, a 1000-row CSV page) it probes the content listener every 5 ms and reports the
 *      slowest answer, i.e. how long that query held the shared event loop. For reference it
 *      also times `store.audit.stats` in process (the query without HTTP), an authenticated
 *      `GET /api/v1/settings` (the floor of any admin request) and the probe with no admin query.
 *
 * Usage: npm run bench:audit   (env AUDIT_FLOOD=requests, AUDIT_ROWS=rows to override)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist/cli/main.js');
const { openSqliteStore } = await import(join(ROOT, 'dist/store/sqlite.js'));
const { hashPassword } = await import(join(ROOT, 'dist/store/passwords.js'));

const FLOOD = Number(process.env.AUDIT_FLOOD ?? 50_000);
const ROWS = Number(process.env.AUDIT_ROWS ?? 1_000_000);
const USER = 'bench';
const PASSWORD = 'bench passphrase that is long enough';
const work = mkdtempSync(join(tmpdir(), 'portcullis-bench-audit-'));

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

async function waitForPort(port, child) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`serve exited early (${child.exitCode})`);
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => resolve(!!s.destroy() || true));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`serve did not listen on ${port}`);
}

/** Starts the built CLI on `data` (one process); `stop()` sends SIGTERM and waits. */
async function serve(data, content) {
  const [port, adminPort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--data',
      data,
      '--root',
      content,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--admin-host',
      '127.0.0.1',
      '--admin-port',
      String(adminPort),
      '--workers',
      '1',
      '--log-level',
      'error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  await waitForPort(port, child).catch((err) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${stderr}`);
  });
  await waitForPort(adminPort, child);
  return {
    port,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const size = (f) => {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
};
const dbSizes = (data) => {
  const db = join(data, 'portcullis.db');
  return { db: size(db), wal: size(`${db}-wal`) };
};
const mib = (b) => `${(b / 1024 / 1024).toFixed(2)} MiB`;
const hex = (n) => {
  let s = '';
  while (s.length < n) s += Math.random().toString(16).slice(2);
  return s.slice(0, n);
};

/** `count` token-less GETs with 3.7 KB paths and 600-byte user agents over 32 sockets. */
async function flood(port, count) {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const statuses = new Map();
  let sent = 0;
  const one = () =>
    new Promise((resolve, reject) => {
      // 100-character segments: one 3.7 KB name would be refused earlier as a bad path.
      const path = `/${hex(3690)
        .match(/.{1,100}/g)
        .join('/')}.ipa`;
      const req = request(
        { host: '127.0.0.1', port, path, agent, headers: { 'user-agent': `F/${'u'.repeat(598)}` } },
        (res) => {
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end();
    });
  const worker = async () => {
    while (sent < count) {
      sent++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  agent.destroy();
  return Object.fromEntries(statuses);
}

async function addAccount(data) {
  const store = openSqliteStore({ dataDir: data });
  await store.accounts.create({
    username: USER,
    passwordHash: await hashPassword(PASSWORD),
    role: 'admin',
    disabled: false,
    mustChangePassword: false,
  });
  return store;
}

async function benchFlood() {
  const data = join(work, 'flood-data');
  const content = join(work, 'content');
  mkdirSync(content, { recursive: true });
  writeFileSync(join(content, 'app.ipa'), 'x'.repeat(1024));
  await (await addAccount(data)).close();
  const server = await serve(data, content);
  await flood(server.port, 100); // warm-up: tables' first pages and the WAL exist
  await new Promise((r) => setTimeout(r, 2500)); // the sink flushes every second
  const before = dbSizes(data);
  const started = performance.now();
  const statuses = await flood(server.port, FLOOD);
  const seconds = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 2500));
  const running = dbSizes(data);
  const token = await login(server.adminUrl);
  const stats = await getJson(server.adminUrl, token, '/api/v1/audit/stats?bucket=1h');
  const rows = await getJson(server.adminUrl, token, '/api/v1/audit?limit=1000');
  await server.stop();
  const after = dbSizes(data);
  return {
    requests: FLOOD,
    seconds: Number(seconds.toFixed(1)),
    statuses,
    growthWhileRunning: running.db + running.wal - (before.db + before.wal),
    peakWal: running.wal,
    growthAfterCheckpoint: after.db + after.wal - (before.db + before.wal),
    dbFileGrowth: after.db - before.db,
    statsCounted: Object.values(stats.byOutcome).reduce((a, b) => a + b, 0),
    rowsStored: rows.items.length,
  };
}

async function login(adminUrl) {
  const res = await fetch(`${adminUrl}/api/v1/auth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` },
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
  return (await res.json()).token;
}

async function getJson(adminUrl, token, path, accept = 'application/json') {
  const res = await fetch(`${adminUrl}${path}`, {
    headers: { authorization: `Bearer ${token}`, accept },
  });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return accept === 'application/json' ? res.json() : res.text();
}

async function fillStore(data) {
  const store = await addAccount(data);
  const now = Date.now();
  const span = 30 * 86_400_000;
  const batch = 5000;
  for (let done = 0; done < ROWS; done += batch) {
    const events = [];
    for (let i = done; i < Math.min(ROWS, done + batch); i++) {
      const refused = i % 10 === 0;
      events.push({
        time: Math.floor(now - span + (i / ROWS) * span),
        method: 'GET',
        path: `/apps/app-${i % 500}.ipa`,
        status: refused ? 401 : 200,
        outcome: refused ? 'TOKEN_EXPIRED' : 'OK',
        bytesSent: refused ? 0 : 123_456,
        clientAddress: `10.0.${(i >> 8) & 255}.${i & 255}`,
        tokenFingerprint: 'abcdef0123456789',
        keyLabel: '3f2b8c1e-0000-4000-8000-000000000001',
        kid: 'k1',
        durationMs: 1.25,
        userAgent: 'com.jamf.management.Jamf',
        via: 'file',
        configurationId: '3f2b8c1e-0000-4000-8000-000000000001',
      });
    }
    await store.audit.insert(events);
  }
  const rows = await store.audit.rowCount();
  await store.close();
  return rows;
}

const ms = (v) => Number(v.toFixed(2));
function summary(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { n: sorted.length, median: ms(at(0.5)), p95: ms(at(0.95)), max: ms(at(1)) };
}

/** Probes the content listener (a refusal, answered on the shared loop) every 5 ms until stopped. */
function startProbe(port) {
  const times = [];
  let probing = true;
  const done = (async () => {
    while (probing) {
      const t = performance.now();
      await fetch(`http://127.0.0.1:${port}/probe.ipa`).then((r) => r.arrayBuffer());
      times.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return async () => {
    probing = false;
    await done;
    const s = summary(times);
    return { probeMedian: s.median, worstProbe: s.max };
  };
}

/** Times `path` `n` times over HTTP; meanwhile probes the content listener every 5 ms. */
async function timed(server, token, path, n, accept) {
  const times = [];
  const stop = startProbe(server.port);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await getJson(server.adminUrl, token, path, accept);
    times.push(performance.now() - t);
  }
  return { ...summary(times), ...(await stop()) };
}

/** Times `store.audit.stats` in process (no HTTP): what the query itself costs. */
async function storeStats(data) {
  const store = openSqliteStore({ dataDir: data });
  const out = {};
  const now = Date.now();
  const cases = {
    '24h/1h (dashboard)': [now - 86_400_000, 3_600_000],
    '24h/1m': [now - 86_400_000, 60_000],
    '30d/1d': [now - 30 * 86_400_000, 86_400_000],
  };
  for (const [label, [since, bucketMs]] of Object.entries(cases)) {
    await store.audit.stats({ since, bucketMs });
    const times = [];
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      await store.audit.stats({ since, bucketMs });
      times.push(performance.now() - t);
    }
    out[label] = summary(times);
  }
  await store.close();
  return out;
}

async function benchStats() {
  const data = join(work, 'stats-data');
  const t = performance.now();
  const rows = await fillStore(data);
  const fillSeconds = Number(((performance.now() - t) / 1000).toFixed(1));
  const inProcess = await storeStats(data);
  const server = await serve(data, join(work, 'content'));
  try {
    const token = await login(server.adminUrl);
    const since = new Date(Date.now() - 24 * 3_600_000).toISOString();
    const q = encodeURIComponent(since);
    await getJson(server.adminUrl, token, `/api/v1/audit/stats?since=${q}&bucket=1h`); // warm
    const idle = startProbe(server.port);
    await new Promise((r) => setTimeout(r, 3000));
    return {
      rows,
      fillSeconds,
      storeStatsInProcess: inProcess,
      probeWithNoAdminQuery: await idle(),
      settingsFloor: await timed(server, token, '/api/v1/settings', 200),
      statsDashboard24h1h: await timed(
        server,
        token,
        `/api/v1/audit/stats?since=${q}&bucket=1h`,
        200,
      ),
      stats24h1m: await timed(server, token, `/api/v1/audit/stats?since=${q}&bucket=1m`, 50),
      stats30d1d: await timed(
        server,
        token,
        `/api/v1/audit/stats?since=${Date.now() - 30 * 86_400_000}&bucket=1d`,
        50,
      ),
      listNewest100: await timed(server, token, '/api/v1/audit?limit=100', 50),
      listFilterMatchingNothing: await timed(server, token, '/api/v1/audit?path=/none.ipa', 5),
      csv1000: await timed(server, token, '/api/v1/audit?limit=1000', 10, 'text/csv'),
    };
  } finally {
    await server.stop();
  }
}

try {
  const flooded = await benchFlood();
  console.log('flood', JSON.stringify(flooded, null, 2));
  console.log(
    `flood: ${FLOOD} anonymous refusals in ${flooded.seconds}s grew the store by ` +
      `${mib(flooded.growthWhileRunning)} while running (WAL ${mib(flooded.peakWal)}), ` +
      `${mib(flooded.growthAfterCheckpoint)} after the checkpoint`,
  );
  const stats = await benchStats();
  console.log('stats', JSON.stringify(stats, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
