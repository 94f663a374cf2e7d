/**
 * PostgreSQL repository for the download audit log. A batch is one transaction of a few
 * statements whatever its size: full rows in one `unnest` insert, anonymous refusals folded in
 * memory and upserted into their aggregate rows in one statement (keys sorted), the rollup
 * deltas, then the row counter last, so the hottest lock is held for the shortest time.
 */
import { aggregateKey, capEvent } from '../audit-policy.js';
import { decodeCursor, pageLimit, toEpochMs, toPage, Where } from '../sql-util.js';
import type { AuditEventInput, AuditEventRecord, AuditQuery, AuditRepo } from '../types.js';
import { PgRollupDeltas, purgePgRollupsBefore, readPgStats } from './audit-rollups.js';
import type { PgConn } from './conn.js';

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

/**
 * PostgreSQL text cannot hold U+0000, and one such byte would fail the whole batch: a client
 * could then erase other requests' audit rows by sending it. It is stored as U+FFFD instead.
 */
const text = (v: string): string => (v.includes('\0') ? v.replaceAll('\0', '\uFFFD') : v);

/** The event's text fields with NULs replaced; optional fields that are absent stay absent. */
function scrub(e: AuditEventInput): AuditEventInput {
  const out: AuditEventInput = { ...e };
  for (const field of TEXT_FIELDS) {
    const v = out[field];
    if (typeof v === 'string') out[field] = text(v);
  }
  return out;
}
const TEXT_FIELDS = [
  'method',
  'path',
  'outcome',
  'clientAddress',
  'tokenFingerprint',
  'keyLabel',
  'kid',
  'userAgent',
  'configurationId',
  'clientCertSubject',
  'clientCertSerial',
  'clientCertIssuer',
] as const;

/** Column name → its PostgreSQL array type for `unnest`, in insert order. */
const COLUMNS: Array<[string, string]> = [
  ['time', 'bigint'],
  ['method', 'text'],
  ['path', 'text'],
  ['status', 'int'],
  ['outcome', 'text'],
  ['bytes_sent', 'bigint'],
  ['client_address', 'text'],
  ['token_fingerprint', 'text'],
  ['key_label', 'text'],
  ['kid', 'text'],
  ['duration_ms', 'float8'],
  ['user_agent', 'text'],
  ['via', 'text'],
  ['configuration_id', 'text'],
  ['count', 'bigint'],
  ['last_time', 'bigint'],
  ['agg_key', 'text'],
  ['client_cert_subject', 'text'],
  ['client_cert_serial', 'text'],
  ['client_cert_issuer', 'text'],
];
const INSERT = `INSERT INTO audit_events (${COLUMNS.map((c) => c[0]).join(', ')})
  SELECT * FROM unnest(${COLUMNS.map((c) => `?::${c[1]}[]`).join(', ')})`;
const UPSERT_AGGREGATES = `${INSERT}
  ON CONFLICT (agg_key) WHERE agg_key IS NOT NULL DO UPDATE
  SET count = audit_events.count + excluded.count,
      last_time = GREATEST(COALESCE(audit_events.last_time, audit_events.time), excluded.last_time)
  RETURNING (xmax = 0) AS inserted`;
const BUMP_ROWS = `INSERT INTO counters (name, value) VALUES ('audit_rows', ?)
  ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value`;

/** One stored row's values, in COLUMNS order. */
function values(e: AuditEventInput, count: number, key: string | null, last: number): unknown[] {
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
    e.userAgent ?? null,
    e.via,
    e.configurationId ?? null,
    count,
    key === null ? null : last,
    key,
    e.clientCertSubject ?? null,
    e.clientCertSerial ?? null,
    e.clientCertIssuer ?? null,
  ];
}

/** Transposes rows into one array per column, as `unnest` takes them. */
function columns(rows: unknown[][]): unknown[][] {
  return COLUMNS.map((_, i) => rows.map((r) => r[i]));
}

/** Splits a batch into full rows and per-key folded aggregates, collecting rollup deltas. */
function prepare(events: AuditEventInput[], deltas: PgRollupDeltas) {
  const full: unknown[][] = [];
  const folded = new Map<string, { e: AuditEventInput; count: number; last: number }>();
  for (const input of events) {
    const e = scrub(capEvent(input));
    const key = aggregateKey(e);
    // Only an aggregate may stand for several requests; a full row is always one.
    const count = key === null ? 1 : Math.max(1, Math.trunc(e.count ?? 1));
    deltas.add(e.time, e.status, e.outcome, e.path, count);
    if (key === null) {
      full.push(values(e, 1, null, 0));
      continue;
    }
    const time = Math.trunc(e.time);
    const last = Math.max(time, Math.trunc(e.lastTime ?? time));
    const seen = folded.get(key);
    if (seen) {
      seen.count += count;
      seen.last = Math.max(seen.last, last);
    } else folded.set(key, { e, count, last });
  }
  const aggregates = [...folded.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, f]) => values(f.e, f.count, key, f.last));
  return { full, aggregates };
}

function filters(q: AuditQuery): Where {
  const where = new Where();
  if (q.path !== undefined) {
    if (q.path.endsWith('*')) where.add('starts_with(path, ?)', text(q.path.slice(0, -1)));
    else where.add('path = ?', text(q.path));
  }
  if (q.outcome !== undefined) where.add('outcome = ?', text(q.outcome));
  if (q.since !== undefined) where.add('time >= ?', toEpochMs(q.since, 'since'));
  if (q.until !== undefined) where.add('time < ?', toEpochMs(q.until, 'until'));
  if (q.configurationId !== undefined) where.add('configuration_id = ?', text(q.configurationId));
  return where;
}

/** Rows deleted per purge transaction: short locks, and other nodes' batches interleave. */
const PURGE_CHUNK = 5000;

/** Builds the audit repository over a shared pool. */
export function pgAudit(conn: PgConn): AuditRepo {
  /** Deletes up to one chunk chosen by `where` and adjusts the counter, in one transaction. */
  const purgeChunk = (pick: (rows: number) => Promise<string | null>, args: unknown[]) =>
    conn.transaction(async () => {
      // Locks the counter row: two nodes trimming at once take turns instead of both trimming.
      const rows = (
        await conn.one<{ value: number }>(
          "SELECT value FROM counters WHERE name = 'audit_rows' FOR UPDATE",
        )
      )?.value;
      const where = await pick(rows ?? 0);
      if (where === null) return 0;
      const { rowCount } = await conn.query(
        `DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events ${where})`,
        args,
      );
      if (rowCount > 0) await conn.query(BUMP_ROWS, [-rowCount]);
      return rowCount;
    });

  return {
    insert: async (events) => {
      if (events.length === 0) return;
      const deltas = new PgRollupDeltas();
      const { full, aggregates } = prepare(events, deltas);
      await conn.transaction(async () => {
        let added = full.length;
        if (full.length > 0) await conn.query(INSERT, columns(full));
        if (aggregates.length > 0) {
          const { rows } = await conn.query<{ inserted: boolean }>(
            UPSERT_AGGREGATES,
            columns(aggregates),
          );
          added += rows.filter((r) => r.inserted).length;
        }
        await deltas.write(conn);
        if (added > 0) await conn.query(BUMP_ROWS, [added]);
      }, 3);
    },
    query: async (q) => {
      const limit = pageLimit(q.limit);
      const where = filters(q);
      const before = decodeCursor(q.cursor);
      if (before !== undefined) where.add('id < ?', before);
      const { rows } = await conn.query<Row>(
        `SELECT * FROM audit_events ${where} ORDER BY id DESC LIMIT ?`,
        [...where.values, limit + 1],
      );
      return toPage(rows.map(fromRow), limit, (e) => e.id);
    },
    // One read-only snapshot: the rollup queries agree with each other.
    stats: ({ since, bucketMs }) =>
      conn.transaction(
        () => readPgStats(conn, since, bucketMs),
        0,
        'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY',
      ),
    purgeOlderThan: async (timeMs) => {
      const cutoff = Math.trunc(timeMs);
      let total = 0;
      for (;;) {
        const n = await purgeChunk(async () => `WHERE time < ? LIMIT ${PURGE_CHUNK}`, [cutoff]);
        total += n;
        if (n < PURGE_CHUNK) break;
      }
      await conn.transaction(() => purgePgRollupsBefore(conn, cutoff));
      return total;
    },
    purgeBeyondRows: async (maxRows) => {
      if (!Number.isInteger(maxRows) || maxRows < 0) {
        throw new TypeError('maxRows must be a non-negative integer');
      }
      let total = 0;
      for (;;) {
        const n = await purgeChunk(async (rows) => {
          const excess = Math.min(PURGE_CHUNK, rows - maxRows);
          return excess > 0 ? `ORDER BY id LIMIT ${excess}` : null;
        }, []);
        total += n;
        if (n < PURGE_CHUNK) return total;
      }
    },
    rowCount: async () =>
      (await conn.one<{ value: number }>("SELECT value FROM counters WHERE name = 'audit_rows'"))
        ?.value ?? 0,
  };
}
