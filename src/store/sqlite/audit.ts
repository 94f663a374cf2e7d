/**
 * SQLite repository for the download audit log: batched inserts that fold anonymous refusals
 * into counter rows and maintain the stats rollups, filtered keyset-paged queries (newest
 * first) that read in bounded id windows and yield between them, and chunked purges by age and
 * by row count. No call holds the event loop for more than one bounded step.
 */
import { aggregateKey, capEvent } from '../audit-policy.js';
import { decodeCursor, pageLimit, toEpochMs, toPage, Where } from '../sql-util.js';
import type { AuditEventInput, AuditEventRecord, AuditQuery, AuditRepo } from '../types.js';
import { purgeRollupsBefore, RollupDeltas, readStats } from './audit-rollups.js';
import type { Conn } from './conn.js';
import { deferred } from './database.js';

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
  count: number;
  last_time: number | null;
  agg_key: string | null;
  client_cert_subject: string | null;
  client_cert_serial: string | null;
  client_cert_issuer: string | null;
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
    count: r.count,
    aggregated: r.agg_key !== null,
    lastTime: r.last_time ?? r.time,
  };
  if (r.token_fingerprint !== null) e.tokenFingerprint = r.token_fingerprint;
  if (r.key_label !== null) e.keyLabel = r.key_label;
  if (r.kid !== null) e.kid = r.kid;
  if (r.user_agent !== null) e.userAgent = r.user_agent;
  if (r.client_cert_subject !== null) e.clientCertSubject = r.client_cert_subject;
  if (r.client_cert_serial !== null) e.clientCertSerial = r.client_cert_serial;
  if (r.client_cert_issuer !== null) e.clientCertIssuer = r.client_cert_issuer;
  return e;
}

const COLUMNS = `time, method, path, status, outcome, bytes_sent, client_address,
  token_fingerprint, key_label, kid, duration_ms, user_agent, via, configuration_id, count,
  last_time, agg_key, client_cert_subject, client_cert_serial, client_cert_issuer`;
const INSERT = `INSERT INTO audit_events (${COLUMNS})
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const FIND_AGGREGATE = 'SELECT id FROM audit_events WHERE agg_key = ?';
const GROW_AGGREGATE = `UPDATE audit_events SET count = count + ?,
  last_time = max(coalesce(last_time, time), ?) WHERE id = ?`;
const BUMP_ROWS = `INSERT INTO counters (name, value) VALUES ('audit_rows', ?)
  ON CONFLICT (name) DO UPDATE SET value = value + excluded.value`;

function insertValues(e: AuditEventInput, count: number, key: string | null): unknown[] {
  const time = Math.trunc(e.time);
  return [
    time,
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
    e.userAgent ?? null,
    e.via,
    e.configurationId ?? null,
    count,
    key === null ? null : Math.max(time, Math.trunc(e.lastTime ?? time)),
    key,
    e.clientCertSubject ?? null,
    e.clientCertSerial ?? null,
    e.clientCertIssuer ?? null,
  ];
}

/** Writes one event (capped); returns how many rows it added (0 when it joined an aggregate). */
function insertOne(conn: Conn, input: AuditEventInput, deltas: RollupDeltas): number {
  const e = capEvent(input);
  const key = aggregateKey(e);
  // Only an aggregate may stand for several requests; a full row is always one.
  const count = key === null ? 1 : Math.max(1, Math.trunc(e.count ?? 1));
  deltas.add(e.time, e.status, e.outcome, e.path, count);
  if (key !== null) {
    const found = conn.stmt(FIND_AGGREGATE).get(key) as { id: number } | undefined;
    if (found) {
      conn.stmt(GROW_AGGREGATE).run(count, Math.trunc(e.lastTime ?? e.time), found.id);
      return 0;
    }
  }
  conn.stmt(INSERT).run(...insertValues(e, count, key));
  return 1;
}

function filters(q: AuditQuery): Where {
  const where = new Where();
  if (q.path !== undefined) {
    if (q.path.endsWith('*')) {
      const prefix = q.path.slice(0, -1);
      where.add('substr(path, 1, length(?)) = ?', prefix, prefix);
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

/** Rows deleted per step of a purge. */
const PURGE_CHUNK = 5000;
/** Ids read per step of a query: bounds each synchronous step whatever the filters match. */
const SCAN_WINDOW = 5000;
/** Rows returned per step of a query (a 1000-row page is read in several steps). */
const STEP_ROWS = 250;

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Builds the audit repository over a shared connection. */
export function sqliteAudit(conn: Conn): AuditRepo {
  /** Runs `step` until it reports fewer than a full chunk, yielding between chunks. */
  const chunked = async (step: () => number): Promise<number> => {
    let total = 0;
    for (;;) {
      const n = await conn.write(step);
      total += n;
      if (n < PURGE_CHUNK) return total;
      await yieldToLoop();
    }
  };
  const deleteRows = (where: string, ...values: unknown[]): number => {
    const n = conn
      .stmt(`DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events ${where})`)
      .run(...values).changes;
    if (n > 0) conn.stmt(BUMP_ROWS).run(-n);
    return n;
  };
  const rowCount = (): number =>
    (
      conn.stmt("SELECT value FROM counters WHERE name = 'audit_rows'").get() as
        | { value: number }
        | undefined
    )?.value ?? 0;

  return {
    insert: async (events) => {
      if (events.length === 0) return;
      await conn.write(() => {
        const deltas = new RollupDeltas();
        let added = 0;
        for (const e of events) added += insertOne(conn, e, deltas);
        deltas.write(conn);
        if (added > 0) conn.stmt(BUMP_ROWS).run(added);
      });
    },
    query: async (q) => {
      const limit = pageLimit(q.limit);
      const where = filters(q);
      const before = decodeCursor(q.cursor);
      const bounds = (await conn.run(() =>
        conn
          .stmt(
            `SELECT (SELECT MIN(id) FROM audit_events) AS lo,
                    (SELECT MAX(id) FROM audit_events) AS hi`,
          )
          .get(),
      )) as { lo: number | null; hi: number | null };
      const rows: Row[] = [];
      if (bounds.lo === null || bounds.hi === null) return { items: [], nextCursor: null };
      // NOT INDEXED keeps SQLite on the id window: an index range (say, every path after a
      // prefix) could otherwise read the whole table in one synchronous step.
      const cond = where.toString().replace(/^WHERE /, 'AND ');
      const sql = `SELECT * FROM audit_events NOT INDEXED WHERE id < ? AND id >= ? ${cond}
        ORDER BY id DESC LIMIT ?`;
      let upper = Math.min(before ?? Number.MAX_SAFE_INTEGER, bounds.hi + 1);
      let lower = Math.max(bounds.lo, upper - SCAN_WINDOW);
      while (rows.length <= limit && upper > bounds.lo) {
        const want = Math.min(limit + 1 - rows.length, STEP_ROWS);
        const found = await conn.run(
          () => conn.stmt(sql).all(upper, lower, ...where.values, want) as Row[],
        );
        rows.push(...found);
        if (found.length === want) {
          upper = found[found.length - 1]!.id; // more may match in this window
        } else {
          upper = lower;
          lower = Math.max(bounds.lo, upper - SCAN_WINDOW);
        }
        if (rows.length <= limit && upper > bounds.lo) await yieldToLoop();
      }
      return toPage(rows.map(fromRow), limit, (e) => e.id);
    },
    // One read transaction: the rollup queries see the same snapshot.
    stats: ({ since, bucketMs }) =>
      conn.run(() => deferred(conn.db, () => readStats(conn, since, bucketMs))),
    purgeOlderThan: async (timeMs) => {
      // Chunked: the first purge after an upgrade or a long pause may cover millions of rows,
      // and one synchronous DELETE would stall serving meanwhile.
      const cutoff = Math.trunc(timeMs);
      const total = await chunked(() => deleteRows(`WHERE time < ? LIMIT ${PURGE_CHUNK}`, cutoff));
      await conn.write(() => purgeRollupsBefore(conn, cutoff));
      return total;
    },
    purgeBeyondRows: async (maxRows) => {
      if (!Number.isInteger(maxRows) || maxRows < 0) {
        throw new TypeError('maxRows must be a non-negative integer');
      }
      let total = 0;
      for (;;) {
        const n = await conn.write(() => {
          const excess = Math.min(PURGE_CHUNK, rowCount() - maxRows);
          return excess > 0 ? deleteRows(`ORDER BY id LIMIT ${excess}`) : 0;
        });
        total += n;
        if (n < PURGE_CHUNK) return total;
        await yieldToLoop();
      }
    },
    rowCount: () => conn.run(rowCount),
  };
}
