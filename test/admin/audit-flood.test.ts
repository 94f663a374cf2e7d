/**
 * Issue 10 §6 at the public surface: a flood of anonymous refused requests (long paths, long
 * user agents) over real sockets grows the database by a bounded amount per request, the
 * dashboard stats still count every request, the audit list shows the flood as a few aggregated
 * rows, and retention by row count (set through the settings API) trims the log.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/serve.js';
import { composeStoreBacked, type StoreBacked } from '../../src/app/store-backed.js';
import { resolveServeConfig } from '../../src/server/config.js';
import type { StoreAuditSink } from '../../src/store/audit-sink.js';
import { runRetention } from '../../src/store/retention.js';
import { DB_FILE_NAME } from '../../src/store/sqlite.js';
import { addAccount, basic, PASSWORD } from './helpers.js';

/** Requests in the flood: enough to measure growth per request, few enough for CI time. */
const FLOOD = 4000;
/** 5 MiB over 50,000 requests (the goal) is ~105 bytes per request. */
const BYTES_PER_REQUEST = 100;

let dir: string;
let composed: StoreBacked;
let server: RunningServer;
let token: string;

const dbBytes = (): number => {
  const file = join(dir, 'data', DB_FILE_NAME);
  const size = (f: string) => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  };
  return size(file) + size(`${file}-wal`);
};

const api = async (method: string, path: string, body?: unknown) =>
  fetch(`${server.adminUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

/** Sends `count` token-less GETs with a 3.7 KB path and a 600-byte user agent, 16 at a time. */
async function flood(count: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const { port } = new URL(server.url);
  const statuses: number[] = [];
  let sent = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      // 3.7 KB in 100-character segments (one long name would be refused as a bad path).
      const path = `/${randomBytes(1825)
        .toString('hex')
        .match(/.{1,100}/g)!
        .join('/')}.ipa`;
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          agent,
          headers: { 'user-agent': `Flood/${'u'.repeat(594)}` },
        },
        (res) => {
          statuses.push(res.statusCode ?? 0);
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
  await Promise.all(Array.from({ length: 16 }, worker));
  agent.destroy();
  return statuses;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-audit-flood-'));
  const content = join(dir, 'content');
  mkdirSync(content, { recursive: true });
  writeFileSync(join(content, 'app.ipa'), 'x');
  const config = resolveServeConfig({
    data: join(dir, 'data'),
    root: content,
    port: 0,
    adminPort: 0,
    workers: 1,
    logLevel: 'silent',
  });
  composed = await composeStoreBacked(config, { stderr: () => {}, env: {}, retention: false });
  server = await startServer({ ...composed.config, ...composed.parts });
  await addAccount(composed.store, 'auditor', 'admin');
  const login = await fetch(`${server.adminUrl}/api/v1/auth/token`, {
    method: 'POST',
    headers: { authorization: basic('auditor', PASSWORD) },
  });
  token = ((await login.json()) as { token: string }).token;
}, 30_000);

afterAll(async () => {
  await server?.close();
  await composed?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a flood of anonymous refusals', () => {
  const sink = () => composed.parts.auditSink as StoreAuditSink;

  it('grows the store by a bounded amount per request and keeps stats exact', async () => {
    // Warm up so the baseline has the tables' first pages and a WAL in use.
    await flood(20);
    await sink().flush();
    const before = dbBytes();
    const statuses = await flood(FLOOD);
    expect(new Set(statuses)).toEqual(new Set([401]));
    await sink().flush();
    const grown = dbBytes() - before;
    expect(grown).toBeLessThan(FLOOD * BYTES_PER_REQUEST);
    expect(sink().dropped).toBe(0);

    const since = Date.now() - 3_600_000;
    const stats = (await (
      await api('GET', `/api/v1/audit/stats?since=${since}&bucket=1h`)
    ).json()) as {
      byOutcome: Record<string, number>;
      buckets: Array<{ ok: number; refused: number }>;
      topPaths: Array<{ path: string }>;
    };
    expect(stats.byOutcome).toEqual({ TOKEN_MISSING: FLOOD + 20 });
    expect(stats.buckets.reduce((n, b) => n + b.refused, 0)).toBe(FLOOD + 20);
    // Client-typed paths of refusals do not become "top paths".
    expect(stats.topPaths).toEqual([]);

    const list = (await (await api('GET', '/api/v1/audit?limit=1000')).json()) as {
      items: Array<{ count: number; aggregated: boolean; path: string; userAgent: string }>;
    };
    // One row per minute the flood spanned (a row per request before the fix).
    expect(list.items.length).toBeLessThanOrEqual(5);
    expect(list.items.every((e) => e.aggregated)).toBe(true);
    expect(list.items.reduce((n, e) => n + e.count, 0)).toBe(FLOOD + 20);
    for (const e of list.items) {
      expect(e.path.length).toBeLessThanOrEqual(256);
      expect(e.path.endsWith('…[truncated]')).toBe(true);
      expect(e.userAgent.length).toBeLessThanOrEqual(128);
    }
  }, 120_000);

  it('keeps at most auditMaxRows rows once retention runs', async () => {
    const { store } = composed;
    // Full rows (not aggregated) from a time when nothing else is stored.
    await store.audit.insert(
      Array.from({ length: 40 }, (_, i) => ({
        time: Date.now() - 10_000 + i,
        method: 'GET',
        path: `/app-${i}.ipa`,
        status: 200,
        outcome: 'OK',
        bytesSent: 1,
        clientAddress: '192.0.2.1',
        durationMs: 1,
        via: 'file' as const,
      })),
    );
    const put = await api('PUT', '/api/v1/settings', { auditMaxRows: 25 });
    expect(((await put.json()) as { auditMaxRows: number }).auditMaxRows).toBe(25);
    await runRetention(composed.store);
    const list = (await (await api('GET', '/api/v1/audit?limit=1000')).json()) as {
      items: Array<{ path: string }>;
    };
    expect(list.items).toHaveLength(25);
    expect(list.items[0]!.path).toBe('/app-39.ipa');
    expect(await store.audit.rowCount()).toBe(25);
  });
});
