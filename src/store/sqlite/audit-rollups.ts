/**
 * The audit stats rollups (migration 005): request counts per minute and per hour by outcome,
 * and successful requests per path per hour, per quarter day and per day. Inserts add their deltas in the same write, so the
 * dashboard reads a bounded number of small rows however large the log grows.
 */
import { StoreError } from '../errors.js';
import type { AuditStats } from '../types.js';
import type { Conn } from './conn.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const QUARTER = 6 * HOUR;
const DAY = 86_400_000;
/** More buckets than this is a mistake (or an attack) rather than a chart. */
const MAX_BUCKETS = 10_000;

/** Deltas collected over one insert batch, written with one upsert per key. */
export class RollupDeltas {
  private readonly minutes = new Map<string, [number, string, number, number]>();
  private readonly hours = new Map<string, [number, string, number, number]>();
  private readonly hourPaths = new Map<string, [number, string, number]>();
  private readonly quarterPaths = new Map<string, [number, string, number]>();
  private readonly dayPaths = new Map<string, [number, string, number]>();

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

  /** Writes the deltas; call inside the insert's write transaction. */
  write(conn: Conn): void {
    const minute = conn.stmt(upsertOutcome('audit_minutes', 'minute'));
    for (const v of this.minutes.values()) minute.run(...v);
    const hour = conn.stmt(upsertOutcome('audit_hours', 'hour'));
    for (const v of this.hours.values()) hour.run(...v);
    const hourPath = conn.stmt(upsertPath('audit_hour_paths', 'hour'));
    for (const v of this.hourPaths.values()) hourPath.run(...v);
    const quarterPath = conn.stmt(upsertPath('audit_quarter_paths', 'quarter'));
    for (const v of this.quarterPaths.values()) quarterPath.run(...v);
    const dayPath = conn.stmt(upsertPath('audit_day_paths', 'day'));
    for (const v of this.dayPaths.values()) dayPath.run(...v);
  }
}

function bumpPath(map: Map<string, [number, string, number]>, t: number, path: string, n: number) {
  const key = `${t}|${path}`;
  const row = map.get(key);
  if (row) row[2] += n;
  else map.set(key, [t, path, n]);
}

const upsertPath = (table: string, column: string): string =>
  `INSERT INTO ${table} (${column}, path, count) VALUES (?, ?, ?)
   ON CONFLICT (${column}, path) DO UPDATE SET count = count + excluded.count`;

function bump(
  map: Map<string, [number, string, number, number]>,
  t: number,
  outcome: string,
  ok: number,
  refused: number,
): void {
  const key = `${t}|${outcome}`;
  const row = map.get(key);
  if (row) {
    row[2] += ok;
    row[3] += refused;
  } else map.set(key, [t, outcome, ok, refused]);
}

const upsertOutcome = (table: string, column: string): string =>
  `INSERT INTO ${table} (${column}, outcome, ok, refused) VALUES (?, ?, ?, ?)
   ON CONFLICT (${column}, outcome) DO UPDATE SET ok = ok + excluded.ok, refused = refused + excluded.refused`;

/** Deletes rollup rows wholly before `timeMs`; the rollups are small, so one statement each. */
export function purgeRollupsBefore(conn: Conn, timeMs: number): void {
  conn.stmt('DELETE FROM audit_minutes WHERE minute < ?').run(Math.floor(timeMs / MINUTE) * MINUTE);
  const hour = Math.floor(timeMs / HOUR) * HOUR;
  conn.stmt('DELETE FROM audit_hours WHERE hour < ?').run(hour);
  conn.stmt('DELETE FROM audit_hour_paths WHERE hour < ?').run(hour);
  conn
    .stmt('DELETE FROM audit_quarter_paths WHERE quarter < ?')
    .run(Math.floor(timeMs / QUARTER) * QUARTER);
  conn.stmt('DELETE FROM audit_day_paths WHERE day < ?').run(Math.floor(timeMs / DAY) * DAY);
}

/**
 * Dashboard aggregates from the rollups; see `AuditStats` for the grain. "ok" counts
 * responses below 400 (served, not modified, partial); the rest were refused.
 */
export function readStats(conn: Conn, since: number, bucketMs: number): AuditStats {
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
  const rows = conn
    .stmt(
      `SELECT CAST((${column} - ?) / ? AS INTEGER) AS b, SUM(ok) AS ok, SUM(refused) AS refused
       FROM ${table} WHERE ${column} >= ? GROUP BY b`,
    )
    .all(start, bucketMs, start) as Array<{ b: number; ok: number; refused: number }>;
  for (const r of rows) {
    const bucket = buckets[r.b];
    if (bucket) {
      bucket.ok = r.ok;
      bucket.refused = r.refused;
    }
  }
  const outcomes = conn
    .stmt(
      `SELECT outcome, SUM(ok + refused) AS n FROM ${table} WHERE ${column} >= ?
       GROUP BY outcome`,
    )
    .all(start) as Array<{ outcome: string; n: number }>;
  // fromEntries defines own properties, so an outcome named '__proto__' stays data.
  const byOutcome: Record<string, number> = Object.fromEntries(
    outcomes.map((o) => [o.outcome, o.n]),
  );
  return { since: start, buckets, byOutcome, topPaths: topPaths(conn, start) };
}

/**
 * Top successful downloads since `since` (rounded down to the hour), exact at hour grain. The
 * window is read as hour rows up to the next quarter day, quarter rows up to the next UTC day,
 * then day rows: at most ~9 + (days in the window) rows per path, so the dashboard's 24 h costs
 * the same whatever the log holds. (UTC days and quarters are aligned to the epoch.)
 */
function topPaths(conn: Conn, since: number): Array<{ path: string; count: number }> {
  const hour = Math.floor(since / HOUR) * HOUR;
  const quarter = Math.ceil(hour / QUARTER) * QUARTER;
  const day = Math.ceil(hour / DAY) * DAY;
  return conn
    .stmt(
      `SELECT path, SUM(count) AS count FROM (
         SELECT path, count FROM audit_hour_paths WHERE hour >= ? AND hour < ?
         UNION ALL
         SELECT path, count FROM audit_quarter_paths WHERE quarter >= ? AND quarter < ?
         UNION ALL
         SELECT path, count FROM audit_day_paths WHERE day >= ?
       ) GROUP BY path ORDER BY count DESC, path LIMIT 10`,
    )
    .all(hour, quarter, quarter, day, day) as Array<{ path: string; count: number }>;
}
