/**
 * Copies a SQLite store (a data directory) into an empty PostgreSQL database, so a site can
 * grow to several nodes without re-entering anything: every table row for row with its ids,
 * in one PostgreSQL transaction (a failure leaves the target empty), then the per-table counts
 * of both sides compared. Encrypted private keys and shared secrets are copied as they are (their
 * associated data is the record id, which is kept), so the nodes need the data directory's
 * secret; its check value is copied into the database so a node with another secret is refused.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from './errors.js';
import { PgConn } from './postgres/conn.js';
import { runPgMigrations } from './postgres/migrate.js';
import { pgPoolConfig } from './postgres.js';
import { SECRET_CHECK_FILE } from './secret.js';
import { SECRET_CHECK_SETTING } from './secret-check.js';
import { type Database, openDatabase } from './sqlite/database.js';
import { DB_FILE_NAME, openSqliteStore } from './sqlite.js';

/** Every table, parents first, with the key it is read in order of and its boolean columns. */
const TABLES: ReadonlyArray<{ name: string; order: string; bools?: string[]; identity?: boolean }> =
  [
    { name: 'configurations', order: 'id', bools: ['enabled'] },
    { name: 'accounts', order: 'id', bools: ['disabled', 'must_change_password'] },
    { name: 'revoked_tokens', order: 'jti' },
    { name: 'jwt_servers', order: 'id', bools: ['enabled'] },
    { name: 'changes', order: 'id', identity: true },
    { name: 'settings', order: 'key' },
    { name: 'counters', order: 'name' },
    { name: 'content', order: 'path' },
    { name: 'manifest_links', order: 'id' },
    { name: 'audit_events', order: 'id', identity: true },
    { name: 'audit_minutes', order: 'minute, outcome' },
    { name: 'audit_hours', order: 'hour, outcome' },
    { name: 'audit_hour_paths', order: 'hour, path' },
    { name: 'audit_quarter_paths', order: 'quarter, path' },
    { name: 'audit_day_paths', order: 'day, path' },
  ];

/** Rows read from SQLite per step, and written to PostgreSQL per statement. */
const CHUNK = 2000;

/** One table's row counts on both sides. */
export interface TableCount {
  table: string;
  source: number;
  target: number;
}

/** Where from and where to. */
export interface MigrateStoreOptions {
  dataDir: string;
  databaseUrl: string;
  caFile?: string;
}

/**
 * Copies the store in `dataDir` into the (empty) database; throws STORE_CONFLICT when the
 * target already holds data and STORE_UNAVAILABLE when a count differs after the copy.
 * @returns the per-table counts, equal on both sides.
 */
export async function migrateSqliteToPostgres(opts: MigrateStoreOptions): Promise<TableCount[]> {
  // Opening migrates the source to this version's schema, which the PostgreSQL one mirrors.
  await openSqliteStore({ dataDir: opts.dataDir }).close();
  const check = await readFile(join(opts.dataDir, SECRET_CHECK_FILE), 'utf8').catch(() => null);
  const source = openDatabase(join(opts.dataDir, DB_FILE_NAME), { readOnly: true });
  const conn = new PgConn({ ...pgPoolConfig(opts), max: 2 });
  try {
    await runPgMigrations(conn);
    return await conn.transaction(async () => {
      await assertEmpty(conn);
      // Migration 005 seeded the row counter; the source's counters replace it.
      await conn.query('DELETE FROM counters');
      for (const t of TABLES) await copyTable(source, conn, t);
      const counts = await compareCounts(source, conn);
      if (check !== null) {
        await conn.query(
          `INSERT INTO settings (key, value) VALUES (?, ?)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          [SECRET_CHECK_SETTING, check.trim()],
        );
      }
      return counts;
    });
  } finally {
    source.close();
    await conn.close();
  }
}

async function assertEmpty(conn: PgConn): Promise<void> {
  for (const table of ['configurations', 'accounts', 'jwt_servers', 'content', 'audit_events']) {
    if (await conn.one(`SELECT 1 FROM ${table} LIMIT 1`)) {
      throw new StoreError(
        'STORE_CONFLICT',
        `The target database already holds data (table ${table}); migrate into a new, empty database.`,
      );
    }
  }
}

async function copyTable(
  source: Database,
  conn: PgConn,
  t: (typeof TABLES)[number],
): Promise<void> {
  const bools = new Set(t.bools ?? []);
  let after = 0;
  for (let offset = 0; ; offset += CHUNK) {
    // Keyset paging on the id where there is one (the audit log may hold millions of rows);
    // the other tables are small enough for OFFSET.
    const rows = (
      t.identity
        ? source
            .prepare(`SELECT * FROM ${t.name} WHERE id > ? ORDER BY id LIMIT ?`)
            .all(after, CHUNK)
        : source
            .prepare(`SELECT * FROM ${t.name} ORDER BY ${t.order} LIMIT ? OFFSET ?`)
            .all(CHUNK, offset)
    ) as Array<Record<string, unknown>>;
    if (rows.length === 0) break;
    if (t.identity) after = Number(rows[rows.length - 1]!.id);
    const columns = Object.keys(rows[0]!);
    const params: unknown[] = [];
    const tuples = rows.map((row) => {
      for (const c of columns) params.push(bools.has(c) ? row[c] === 1 : row[c]);
      return `(${columns.map(() => '?').join(', ')})`;
    });
    const overriding = t.identity ? 'OVERRIDING SYSTEM VALUE' : '';
    await conn.query(
      `INSERT INTO ${t.name} (${columns.join(', ')}) ${overriding} VALUES ${tuples.join(', ')}`,
      params,
    );
    if (rows.length < CHUNK) break;
  }
  if (t.identity) {
    // The next id continues after the copied ones, so cursors and ids are never reused.
    await conn.query(
      `SELECT setval(pg_get_serial_sequence('${t.name}', 'id'),
         GREATEST((SELECT MAX(id) FROM ${t.name}), 0) + 1, false)`,
    );
  }
}

async function compareCounts(source: Database, conn: PgConn): Promise<TableCount[]> {
  const counts: TableCount[] = [];
  for (const t of TABLES) {
    const s = (source.prepare(`SELECT COUNT(*) AS n FROM ${t.name}`).get() as { n: number }).n;
    const target = (await conn.one<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t.name}`))!.n;
    counts.push({ table: t.name, source: s, target });
  }
  const differ = counts.filter((c) => c.source !== c.target);
  if (differ.length > 0) {
    throw new StoreError(
      'STORE_UNAVAILABLE',
      `The copy does not match the source (${differ.map((c) => `${c.table}: ${c.source} → ${c.target}`).join(', ')}); nothing was written.`,
    );
  }
  return counts;
}
