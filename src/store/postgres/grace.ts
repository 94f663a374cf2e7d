/**
 * Resume-grace first use in PostgreSQL (the `GraceStore` port): one multi-row insert per batch,
 * first use wins on conflict, lookups by primary key, expiry-based deletion.
 */
import type { GraceRecord, GraceStore } from '../../contracts/grace-store.js';
import type { PgConn } from './conn.js';

interface GraceRow {
  fingerprint: string;
  path: string;
  exp: number;
  keep_until: number;
  key_label: string | null;
  kid: string | null;
  configuration_id: string | null;
}

const fromRow = (r: GraceRow): GraceRecord => ({
  fingerprint: r.fingerprint,
  path: r.path,
  exp: r.exp,
  keepUntil: r.keep_until,
  ...(r.key_label !== null ? { keyLabel: r.key_label } : {}),
  ...(r.kid !== null ? { kid: r.kid } : {}),
  ...(r.configuration_id !== null ? { configurationId: r.configuration_id } : {}),
});

/** The shared resume-grace records. */
export function pgGrace(conn: PgConn): GraceStore {
  return {
    record: async (records) => {
      if (records.length === 0) return;
      // unnest keeps one statement (and one round trip) whatever the batch size.
      await conn.query(
        `INSERT INTO resume_grace (fingerprint, path, exp, keep_until, key_label, kid, configuration_id)
         SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[])
         ON CONFLICT (fingerprint, path) DO NOTHING`,
        [
          records.map((r) => r.fingerprint),
          records.map((r) => r.path),
          records.map((r) => Math.floor(r.exp)),
          records.map((r) => Math.ceil(r.keepUntil)),
          records.map((r) => r.keyLabel ?? null),
          records.map((r) => r.kid ?? null),
          records.map((r) => r.configurationId ?? null),
        ],
      );
    },
    find: async (fingerprint, path, nowSec) => {
      const row = await conn.one<GraceRow>(
        'SELECT * FROM resume_grace WHERE fingerprint = ? AND path = ? AND keep_until >= ?',
        [fingerprint, path, Math.floor(nowSec)],
      );
      return row ? fromRow(row) : undefined;
    },
    purge: async (nowSec) => {
      const { rowCount } = await conn.query('DELETE FROM resume_grace WHERE keep_until < ?', [
        Math.floor(nowSec),
      ]);
      return rowCount;
    },
  };
}
