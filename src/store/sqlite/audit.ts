/**
 * SQLite repository for the download audit log: batched inserts, filtered keyset-paged
 * queries (newest first), dashboard aggregates and retention purges.
 */
import { StoreError } from '../errors.js';
import type { AuditEventInput, AuditEventRecord, AuditQuery, AuditRepo } from '../types.js';
import type { Conn } from './conn.js';
import { deferred } from './database.js';
import { decodeCursor, pageLimit, toEpochMs, toPage, Where } from './sql-util.js';

interface Row {
  id: number;
  time: number;
  method: string;
  path: string;
  status: number;
  outcome: string;
  bytes_sent: number;
  client_address: string;
  token_fingerprint: string | null;
  key_label: string | null;
  kid: string | null;
  duration_ms: number;
  user_agent: string | null;
  via: AuditEventRecord['via'];
  configuration_id: string | null;
}

/** Optional event fields are omitted (not null) so records look like the events that went in. */
function fromRow(r: Row): AuditEventRecord {
  const e: AuditEventRecord = {
    id: r.id,
    time: r.time,
    method: r.method,
    path: r.path,
    status: r.status,
    outcome: r.outcome,
    bytesSent: r.bytes_sent,
    clientAddress: r.client_address,
    durationMs: r.duration_ms,
    via: r.via,
    configurationId: r.configuration_id,
  };
  if (r.token_fingerprint !== null) e.tokenFingerprint = r.token_fingerprint;
  if (r.key_label !== null) e.keyLabel = r.key_label;
  if (r.kid !== null) e.kid = r.kid;
  if (r.user_agent !== null) e.userAgent = r.user_agent;
  return e;
}

const INSERT = `INSERT INTO audit_events (time, method, path, status, outcome, bytes_sent,
  client_address, token_fingerprint, key_label, kid, duration_ms, user_agent, via,
  configuration_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

function insertValues(e: AuditEventInput): unknown[] {
  return [
    Math.trunc(e.time),
    e.method,
    e.path,
    e.status,
    e.outcome,
    e.bytesSent,
    e.clientAddress,
    e.tokenFingerprint ?? null,
    e.keyLabel ?? null,
    e.kid ?? null,
    e.durationMs,
    e.userAgent === undefined ? null : e.userAgent.slice(0, MAX_USER_AGENT),
    e.via,
    e.configurationId ?? null,
  ];
}

function filters(q: AuditQuery): Where {
  const where = new Where();
  const before = decodeCursor(q.cursor);
  if (before !== undefined) where.add('id < ?', before);
  if (q.path !== undefined) {
    if (q.path.endsWith('*')) {
      const prefix = q.path.slice(0, -1);
      // The range term lets SQLite use the path index; substr keeps the match exact.
      where.add('path >= ? AND substr(path, 1, length(?)) = ?', prefix, prefix, prefix);
    } else {
      where.add('path = ?', q.path);
    }
  }
  if (q.outcome !== undefined) where.add('outcome = ?', q.outcome);
  if (q.since !== undefined) where.add('time >= ?', toEpochMs(q.since, 'since'));
  if (q.until !== undefined) where.add('time < ?', toEpochMs(q.until, 'until'));
  if (q.configurationId !== undefined) where.add('configuration_id = ?', q.configurationId);
  return where;
}

/** Rows deleted per step of a retention purge. */
const PURGE_CHUNK = 5000;
/** Longest stored user agent: the header is client-chosen and a flood should not bloat the log. */
const MAX_USER_AGENT = 512;

/** More buckets than this is a mistake (or an attack) rather than a chart. */
const MAX_BUCKETS = 10_000;

/** Builds the audit repository over a shared connection. */
export function sqliteAudit(conn: Conn): AuditRepo {
  return {
    insert: async (events) => {
      if (events.length === 0) return;
      await conn.write(() => {
        const stmt = conn.stmt(INSERT);
        for (const e of events) stmt.run(...insertValues(e));
      });
    },
    query: (q) =>
      conn.run((db) => {
        const limit = pageLimit(q.limit);
        const where = filters(q);
        const sql = `SELECT * FROM audit_events ${where} ORDER BY id DESC LIMIT ?`;
        const rows = db.prepare(sql).all(...where.values, limit + 1) as Row[];
        return toPage(rows.map(fromRow), limit, (e) => e.id);
      }),
    stats: ({ since, bucketMs }) =>
      conn.run(() => {
        const now = conn.now();
        if (!Number.isInteger(bucketMs) || bucketMs < 1 || !Number.isFinite(since)) {
          throw new StoreError('STORE_INVALID_QUERY', 'bucketMs must be a positive integer.');
        }
        const count = Math.max(1, Math.floor((now - since) / bucketMs) + 1);
        if (count > MAX_BUCKETS) {
          throw new StoreError('STORE_INVALID_QUERY', 'Too many buckets; widen bucketMs.');
        }
        // One read transaction: the three aggregates see the same snapshot of the table.
        return deferred(conn.db, () => aggregate(conn, Math.trunc(since), bucketMs, count));
      }),
    purgeOlderThan: async (timeMs) => {
      // Chunked, yielding between chunks: the first purge after an upgrade or a long pause may
      // cover millions of rows, and one synchronous DELETE would stall serving meanwhile.
      const sql = `DELETE FROM audit_events WHERE id IN
        (SELECT id FROM audit_events WHERE time < ? LIMIT ${PURGE_CHUNK})`;
      let total = 0;
      for (;;) {
        const n = await conn.run(() => conn.stmt(sql).run(Math.trunc(timeMs)).changes);
        total += n;
        if (n < PURGE_CHUNK) return total;
        await new Promise((r) => setImmediate(r));
      }
    },
  };
}

/** "ok" counts responses below 400 (served, not modified, partial); the rest were refused. */
function aggregate(conn: Conn, since: number, bucketMs: number, count: number) {
  const buckets = Array.from({ length: count }, (_, i) => ({
    t: since + i * bucketMs,
    ok: 0,
    refused: 0,
  }));
  const rows = conn
    .stmt(
      `SELECT CAST((time - ?) / ? AS INTEGER) AS b, SUM(status < 400) AS ok, SUM(status >= 400) AS refused
       FROM audit_events WHERE time >= ? GROUP BY b`,
    )
    .all(since, bucketMs, since) as Array<{ b: number; ok: number; refused: number }>;
  for (const r of rows) {
    const bucket = buckets[r.b];
    if (bucket) {
      bucket.ok = r.ok;
      bucket.refused = r.refused;
    }
  }
  const outcomes = conn
    .stmt('SELECT outcome, COUNT(*) AS n FROM audit_events WHERE time >= ? GROUP BY outcome')
    .all(since) as Array<{ outcome: string; n: number }>;
  // fromEntries defines own properties, so an outcome named '__proto__' stays data.
  const byOutcome: Record<string, number> = Object.fromEntries(
    outcomes.map((o) => [o.outcome, o.n]),
  );
  const topPaths = conn
    .stmt(
      `SELECT path, COUNT(*) AS count FROM audit_events WHERE time >= ?
       GROUP BY path ORDER BY count DESC, path LIMIT 10`,
    )
    .all(since) as Array<{ path: string; count: number }>;
  return { buckets, byOutcome, topPaths };
}
