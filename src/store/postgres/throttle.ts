/**
 * The sign-in throttle's buckets in PostgreSQL, so an attempt counted on one node is counted on
 * all. `update` locks the rows (SELECT … FOR UPDATE, in key order so two nodes never deadlock)
 * inside its own short transaction, outside `Store.transaction`'s fleet-wide writer lock: a
 * sign-in burst must not queue behind admin writes, only behind attempts on the same buckets.
 */
import type { ThrottleBucket, ThrottleRepo } from '../types.js';
import type { PgConn } from './conn.js';

interface BucketRow {
  key: string;
  failures: number;
  in_flight: number;
  in_flight_until: number;
  locked_until: number;
  last_failure: number;
}

/** The shared throttle buckets. */
export function pgThrottle(conn: PgConn): ThrottleRepo {
  return {
    update: (keys, inFlightMs, fn) =>
      conn.transaction(async () => {
        const now = conn.now();
        const sorted = [...new Set(keys)].sort();
        for (const key of sorted) {
          await conn.query(
            'INSERT INTO sign_in_throttle (key, touched_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
            [key, now],
          );
        }
        const { rows } = await conn.query<BucketRow>(
          `SELECT key, failures, in_flight, in_flight_until, locked_until, last_failure
           FROM sign_in_throttle WHERE key = ANY(?) ORDER BY key FOR UPDATE`,
          [sorted],
        );
        const byKey = new Map(rows.map((r) => [r.key, r]));
        const buckets: ThrottleBucket[] = keys.map((key) => {
          const r = byKey.get(key);
          // In-flight reservations of a process that died never settle: they expire.
          const live = r && r.in_flight_until > now ? r.in_flight : 0;
          return {
            failures: r?.failures ?? 0,
            inFlight: Math.max(0, live),
            lockedUntil: r?.locked_until ?? 0,
            lastFailure: r?.last_failure ?? 0,
          };
        });
        const before = buckets.map((b) => b.inFlight);
        const result = fn(buckets);
        for (const [i, key] of keys.entries()) {
          const b = buckets[i]!;
          if (b.failures === 0 && b.inFlight <= 0 && b.lockedUntil <= now) {
            // Nothing to remember (a refused or settled-clean attempt): no row, so a flood of
            // made-up usernames from a locked address leaves nothing behind.
            await conn.query('DELETE FROM sign_in_throttle WHERE key = ?', [key]);
            continue;
          }
          const reserved = b.inFlight > before[i]!;
          await conn.query(
            `UPDATE sign_in_throttle SET failures = ?, in_flight = ?, locked_until = ?,
               last_failure = ?, touched_at = ?,
               in_flight_until = CASE WHEN ? THEN ? ELSE in_flight_until END
             WHERE key = ?`,
            [
              b.failures,
              Math.max(0, b.inFlight),
              b.lockedUntil,
              b.lastFailure,
              now,
              reserved,
              now + inFlightMs,
              key,
            ],
          );
        }
        return result;
      }),
    prune: async (before) => {
      const { rowCount } = await conn.query(
        `DELETE FROM sign_in_throttle
         WHERE touched_at < ? AND locked_until < ? AND (in_flight = 0 OR in_flight_until < ?)`,
        [before, conn.now(), conn.now()],
      );
      return rowCount;
    },
  };
}
