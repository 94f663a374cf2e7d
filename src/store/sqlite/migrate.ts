/**
 * Forward-only schema migrations recorded in `schema_migrations` (version, name, applied_at).
 * Each step runs in its own IMMEDIATE transaction and re-checks whether it is already applied,
 * so several processes opening a fresh database at once do not apply a step twice.
 */
import { StoreError } from '../errors.js';
import { type Database, immediate } from './database.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

/** Highest applied schema version (0 for an empty database). */
export function schemaVersion(db: Database): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as {
    v: number | null;
  };
  return row.v ?? 0;
}

/**
 * Brings `db` up to the last of `migrations`; refuses a database from a newer schema.
 * @returns the versions before and after.
 */
export function runMigrations(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => number = Date.now,
): { from: number; to: number } {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  const from = schemaVersion(db);
  if (from > latest) {
    throw new StoreError(
      'STORE_SCHEMA_TOO_NEW',
      `The database has schema version ${from}, but this Portcullis knows only up to ${latest}. ` +
        'Run the newer Portcullis that wrote it, or restore a backup.',
    );
  }
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  for (const m of migrations) {
    if (m.version <= from) continue;
    immediate(db, () => {
      if (isApplied.get(m.version)) return;
      db.exec(m.sql);
      record.run(m.version, m.name, new Date(now()).toISOString());
    });
  }
  return { from, to: Math.max(from, schemaVersion(db)) };
}
