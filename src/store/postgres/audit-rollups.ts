/**
 * The audit stats rollups in PostgreSQL (migration 005): the same tables and grains as SQLite
 * (`sqlite/audit-rollups.ts`). A batch's deltas are folded in memory and written with one
 * `unnest` upsert per table, keys sorted, so two nodes flushing at once lock rows in the same
 * order and cannot deadlock each other.
 */
import { StoreError } from '../errors.js';
import type { AuditStats } from '../types.js';
import type { PgConn } from './conn.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const QUARTER = 6 * HOUR;
const DAY = 86_400_000;
/** More buckets than this is a mistake (or an attack) rather than a chart. */
const MAX_BUCKETS = 10_000;

type OutcomeRow = [t: number, outcome: string, ok: number, refused: number];
type PathRow = [t: number, path: string, count: number];

function bump(map: Map<string, OutcomeRow>, t: number, outcome: string, ok: number, no: number) {
  const key = `${t}|${outcome}`;
  const row = map.get(key);
  if (row) {
    row[2] += ok;
    row[3] += no;
  } else map.set(key, [t, outcome, ok, no]);
}

function bumpPath(map: Map<string, PathRow>, t: number, path: string, n: number) {
  const key = `${t}|${path}`;
  const row = map.get(key);
  if (row) row[2] += n;
  else map.set(key, [t, path, n]);
}

/** A fixed order for every writer: by time, then by text in code-unit order. */
const byKey = (a: [number, string, ...number[]], b: [number, string, ...number[]]) =>
  a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

/** Deltas collected over one insert batch. */
export class PgRollupDeltas {
  private readonly minutes = new Map<string, OutcomeRow>();
  private readonly hours = new Map<string, OutcomeRow>();
  private readonly hourPaths = new Map<string, PathRow>();
  private readonly quarterPaths = new Map<string, PathRow>();
  private readonly dayPaths = new Map<string, PathRow>();

  /** Counts `n` requests that finished at `time` with `status` and `outcome` on `path`. */
  add(time: number, status: number, outcome: string, path: string, n: number): void {
    const ok = status < 400 ? n : 0;
    const refused = n - ok;
    bump(this.minutes, Math.floor(time / MINUTE) * MINUTE, outcome, ok, refused);
    const hour = Math.floor(time / HOUR) * HOUR;
    bump(this.hours, hour, outcome, ok, refused);
    if (ok > 0) {
      bumpPath(this.hourPaths, hour, path, ok);
      bumpPath(this.quarterPaths, Math.floor(time / QUARTER) * QUARTER, path, ok);
      bumpPath(this.dayPaths, Math.floor(time / DAY) * DAY, path, ok);
    }
  }

  /** Writes the deltas; call inside the insert's transaction. */
  async write(conn: PgConn): Promise<void> {
    await upsertOutcomes(conn, 'audit_minutes', 'minute', this.minutes);
    await upsertOutcomes(conn, 'audit_hours', 'hour', this.hours);
    await upsertPaths(conn, 'audit_hour_paths', 'hour', this.hourPaths);
    await upsertPaths(conn, 'audit_quarter_paths', 'quarter', this.quarterPaths);
    await upsertPaths(conn, 'audit_day_paths', 'day', this.dayPaths);
  }
}

async function upsertOutcomes(
  conn: PgConn,
  table: string,
  column: string,
  map: Map<string, OutcomeRow>,
): Promise<void> {
  if (map.size === 0) return;
  const rows = [...map.values()].sort(byKey);
  await conn.query(
    `INSERT INTO ${table} (${column}, outcome, ok, refused)
     SELECT * FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::bigint[])
     ON CONFLICT (${column}, outcome) DO UPDATE
     SET ok = ${table}.ok + excluded.ok, refused = ${table}.refused + excluded.refused`,
    [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3])],
  );
}

async function upsertPaths(
  conn: PgConn,
  table: string,
  column: string,
  map: Map<string, PathRow>,
): Promise<void> {
  if (map.size === 0) return;
  const rows = [...map.values()].sort(byKey);
  await conn.query(
    `INSERT INTO ${table} (${column}, path, count)
     SELECT * FROM unnest(?::bigint[], ?::text[], ?::bigint[])
     ON CONFLICT (${column}, path) DO UPDATE SET count = ${table}.count + excluded.count`,
    [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
  );
}

/** Deletes rollup rows wholly before `timeMs`. */
export async function purgePgRollupsBefore(conn: PgConn, timeMs: number): Promise<void> {
  const hour = Math.floor(timeMs / HOUR) * HOUR;
  await conn.query('DELETE FROM audit_minutes WHERE minute < ?', [
    Math.floor(timeMs / MINUTE) * MINUTE,
  ]);
  await conn.query('DELETE FROM audit_hours WHERE hour < ?', [hour]);
  await conn.query('DELETE FROM audit_hour_paths WHERE hour < ?', [hour]);
  await conn.query('DELETE FROM audit_quarter_paths WHERE quarter < ?', [
    Math.floor(timeMs / QUARTER) * QUARTER,
  ]);
  await conn.query('DELETE FROM audit_day_paths WHERE day < ?', [Math.floor(timeMs / DAY) * DAY]);
}

/** Dashboard aggregates from the rollups; the grain rules are those of `AuditStats`. */
export async function readPgStats(
  conn: PgConn,
  since: number,
  bucketMs: number,
): Promise<AuditStats> {
  if (!Number.isInteger(bucketMs) || bucketMs < 1 || !Number.isFinite(since)) {
    throw new StoreError('STORE_INVALID_QUERY', 'bucketMs must be a positive integer.');
  }
  const hourly = bucketMs % HOUR === 0;
  const grain = hourly ? HOUR : MINUTE;
  const start = Math.floor(since / grain) * grain;
  const count = Math.max(1, Math.floor((conn.now() - start) / bucketMs) + 1);
  if (count > MAX_BUCKETS) {
    throw new StoreError('STORE_INVALID_QUERY', 'Too many buckets; widen bucketMs.');
  }
  const [table, column] = hourly ? ['audit_hours', 'hour'] : ['audit_minutes', 'minute'];
  const buckets = Array.from({ length: count }, (_, i) => ({
    t: start + i * bucketMs,
    ok: 0,
    refused: 0,
  }));
  const { rows } = await conn.query<{ b: number; ok: number; refused: number }>(
    `SELECT (${column} - ?::bigint) / ?::bigint AS b, SUM(ok) AS ok, SUM(refused) AS refused
     FROM ${table} WHERE ${column} >= ? GROUP BY b`,
    [start, bucketMs, start],
  );
  for (const r of rows) {
    const bucket = buckets[r.b];
    if (bucket) {
      bucket.ok = r.ok;
      bucket.refused = r.refused;
    }
  }
  const outcomes = await conn.query<{ outcome: string; n: number }>(
    `SELECT outcome, SUM(ok + refused) AS n FROM ${table} WHERE ${column} >= ? GROUP BY outcome`,
    [start],
  );
  // fromEntries defines own properties, so an outcome named '__proto__' stays data.
  const byOutcome: Record<string, number> = Object.fromEntries(
    outcomes.rows.map((o) => [o.outcome, o.n]),
  );
  return { since: start, buckets, byOutcome, topPaths: await topPaths(conn, start) };
}

/** Top successful downloads since the hour `since` falls in (see the SQLite twin). */
async function topPaths(
  conn: PgConn,
  since: number,
): Promise<Array<{ path: string; count: number }>> {
  const hour = Math.floor(since / HOUR) * HOUR;
  const quarter = Math.ceil(hour / QUARTER) * QUARTER;
  const day = Math.ceil(hour / DAY) * DAY;
  // COLLATE "C": ties rank by code point, as in SQLite, whatever the database's locale.
  const { rows } = await conn.query<{ path: string; count: number }>(
    `SELECT path, SUM(count) AS count FROM (
       SELECT path, count FROM audit_hour_paths WHERE hour >= ? AND hour < ?
       UNION ALL
       SELECT path, count FROM audit_quarter_paths WHERE quarter >= ? AND quarter < ?
       UNION ALL
       SELECT path, count FROM audit_day_paths WHERE day >= ?
     ) p GROUP BY path ORDER BY count DESC, path COLLATE "C" LIMIT 10`,
    [hour, quarter, quarter, day, day],
  );
  return rows;
}
