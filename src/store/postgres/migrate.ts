/**
 * Forward-only PostgreSQL migrations recorded in `schema_migrations`, all pending steps in one
 * transaction under a transaction-scoped advisory lock keyed by the schema: several nodes
 * starting at once on an empty database migrate once (the others wait, then find nothing to
 * do), and a step that fails leaves no half-applied schema behind (PostgreSQL DDL is
 * transactional). A database from a newer Portcullis is refused, as with SQLite.
 */
import { StoreError } from '../errors.js';
import type { Migration } from '../sqlite/migrations/migration.js';
import type { PgConn } from './conn.js';
import { PG_MIGRATIONS } from './migrations/001-006.js';

/** The schema version this build writes to PostgreSQL. */
export const PG_LATEST_SCHEMA_VERSION = PG_MIGRATIONS[PG_MIGRATIONS.length - 1]!.version;

/** Highest applied schema version (0 for an empty schema). */
export async function pgSchemaVersion(conn: PgConn): Promise<number> {
  const row = await conn.one<{ v: number | null }>(
    'SELECT MAX(version) AS v FROM schema_migrations',
  );
  return row?.v ?? 0;
}

/**
 * Brings the store's schema up to the last of `migrations`; refuses a newer schema.
 * @returns the versions before and after.
 */
export async function runPgMigrations(
  conn: PgConn,
  migrations: readonly Migration[] = PG_MIGRATIONS,
): Promise<{ from: number; to: number }> {
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  return conn.transaction(async () => {
    // Two keys: a constant for "Portcullis migrations" and the schema, so stores in other
    // schemas of the same database (tests, several sites) do not wait on each other.
    await conn.query(
      "SELECT pg_advisory_xact_lock(hashtext('portcullis.migrate'), hashtext(current_schema()))",
    );
    await conn.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`);
    const from = await pgSchemaVersion(conn);
    if (from > latest) {
      throw new StoreError(
        'STORE_SCHEMA_TOO_NEW',
        `The database has schema version ${from}, but this Portcullis knows only up to ${latest}. ` +
          'Run the newer Portcullis that wrote it, or restore a backup.',
      );
    }
    for (const m of migrations) {
      if (m.version <= from) continue;
      await conn.query(m.sql);
      await conn.query(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
        [m.version, m.name, conn.iso()],
      );
    }
    return { from, to: Math.max(from, latest) };
  });
}
