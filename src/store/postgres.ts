/**
 * The PostgreSQL Store, for several Portcullis nodes sharing one truth. Connection settings
 * are node-postgres's own (a `postgres://` URL with `sslmode`, plus an optional CA), the schema
 * is migrated under an advisory lock on open, and every repository mirrors its SQLite twin.
 */
import { readFileSync } from 'node:fs';
import { StoreError } from './errors.js';
import { pgAccounts } from './postgres/accounts.js';
import { pgAudit } from './postgres/audit.js';
import { pgConfigurations } from './postgres/configurations.js';
import { PgConn, type PgPoolConfig } from './postgres/conn.js';
import { pgGrace } from './postgres/grace.js';
import { pgJwtServers } from './postgres/jwt-servers.js';
import { pgManifestLinks } from './postgres/manifest-links.js';
import { runPgMigrations } from './postgres/migrate.js';
import { ChangeListener } from './postgres/notify.js';
import { pgChanges, pgContent, pgRevokedTokens, pgSettings } from './postgres/small-repos.js';
import { pgThrottle } from './postgres/throttle.js';
import type { Store } from './types.js';

/** Where the database is and how to reach it. */
export interface PostgresStoreOptions {
  /** `postgres://user[:password]@host[:port]/db[?sslmode=…]`, as node-postgres reads it. */
  databaseUrl: string;
  /** A PEM file of CA certificates the server's certificate must chain to (TLS then required). */
  caFile?: string;
  /**
   * The schema to keep the tables in (default: the role's search_path, normally `public`); it
   * must exist. Lets several stores (tests, sites) share one database.
   */
  schema?: string;
  /** Pool size per node. Default 10. */
  maxConnections?: number;
  /** Clock for createdAt/updatedAt/change times; default Date.now. */
  now?: () => number;
}

/** Unquoted identifiers only: the schema name goes into a connection option. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The URL without its password, for messages and logs.
 * @example redactDatabaseUrl('postgres://app:hunter2@db/p') === 'postgres://app:***@db/p'
 */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) {
      if (/pass|secret|key/i.test(key)) u.searchParams.set(key, '***');
    }
    return u.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/** node-postgres pool settings for `opts`; validates what it can before connecting. */
export function pgPoolConfig(opts: PostgresStoreOptions): PgPoolConfig {
  if (!/^postgres(ql)?:\/\//i.test(opts.databaseUrl)) {
    throw new StoreError(
      'STORE_UNAVAILABLE',
      'The database URL must start with postgres:// (for example postgres://portcullis@db.example:5432/portcullis).',
    );
  }
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
    throw new TypeError('The schema name must be a lower-case SQL identifier');
  }
  const config: PgPoolConfig = {
    connectionString: opts.caFile ? withCaFile(opts.databaseUrl, opts.caFile) : opts.databaseUrl,
    max: opts.maxConnections ?? 10,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    // Writers never wait forever on a lock another node holds.
    statement_timeout: 30_000,
    application_name: 'portcullis',
  };
  if (opts.schema) config.options = `-c search_path=${opts.schema}`;
  return config;
}

/**
 * The URL with `sslrootcert` set to `caFile` (and `sslmode=verify-full` unless it names a
 * verifying mode): node-postgres lets the URL's TLS settings win over a separate `ssl` object,
 * so the CA goes where it cannot be overridden. A CA with `sslmode=disable` is a contradiction.
 */
function withCaFile(databaseUrl: string, caFile: string): string {
  try {
    readFileSync(caFile);
  } catch (err) {
    throw new StoreError(
      'STORE_UNAVAILABLE',
      `The database CA file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
      { cause: err },
    );
  }
  const url = new URL(databaseUrl);
  const mode = url.searchParams.get('sslmode');
  if (mode === 'disable' || mode === 'allow' || mode === 'prefer' || mode === 'no-verify') {
    throw new StoreError(
      'STORE_UNAVAILABLE',
      `A database CA was given but the URL says sslmode=${mode}: use sslmode=verify-full (or drop it).`,
    );
  }
  if (!mode) url.searchParams.set('sslmode', 'verify-full');
  url.searchParams.set('sslrootcert', caFile);
  return url.toString();
}

/**
 * Connects, migrates (once across nodes) and returns the PostgreSQL store.
 * @example const store = await openPostgresStore({ databaseUrl: process.env.PORTCULLIS_DATABASE_URL! });
 */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<Store> {
  const config = pgPoolConfig(opts);
  const conn = new PgConn(config, opts.now);
  try {
    await runPgMigrations(conn);
  } catch (err) {
    await conn.close().catch(() => {});
    throw err;
  }
  return storeOver(conn, new ChangeListener(config));
}

function storeOver(conn: PgConn, changes: ChangeListener): Store {
  return {
    configurations: pgConfigurations(conn),
    accounts: pgAccounts(conn),
    revokedTokens: pgRevokedTokens(conn),
    jwtServers: pgJwtServers(conn),
    audit: pgAudit(conn),
    changes: pgChanges(conn),
    content: pgContent(conn),
    manifestLinks: pgManifestLinks(conn),
    settings: pgSettings(conn),
    throttle: pgThrottle(conn),
    grace: pgGrace(conn),
    // One writer at a time across the fleet, as SQLite's BEGIN IMMEDIATE gives one node: the
    // admin API checks invariants inside transactions ("not the last enabled admin"), which
    // READ COMMITTED alone would let two nodes break at once (write skew). Re-entrant when nested.
    transaction: (fn) =>
      conn.transaction(async () => {
        await conn.query("SELECT pg_advisory_xact_lock(hashtext('portcullis.transaction'))");
        return fn();
      }),
    onChange: (fn) => changes.subscribe(fn),
    close: async () => {
      await changes.close();
      await conn.close();
    },
  };
}
