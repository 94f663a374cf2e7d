/**
 * The SQLite Store: one file `<dataDir>/portcullis.db` (dir 0700, files 0600), WAL journal,
 * a busy timeout so concurrent processes wait instead of failing, and versioned migrations.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './errors.js';
import { sqliteAccounts } from './sqlite/accounts.js';
import { sqliteAudit } from './sqlite/audit.js';
import { sqliteChanges } from './sqlite/changes.js';
import { sqliteConfigurations } from './sqlite/configurations.js';
import { Conn, mapSqliteError } from './sqlite/conn.js';
import { sqliteContent } from './sqlite/content.js';
import { type Database, openDatabase } from './sqlite/database.js';
import { sqliteJwtServers } from './sqlite/jwt-servers.js';
import { sqliteManifestLinks } from './sqlite/manifest-links.js';
import { runMigrations } from './sqlite/migrate.js';
import { sqliteRevokedTokens } from './sqlite/revoked-tokens.js';
import { sqliteSettings } from './sqlite/settings.js';
import type { Store } from './types.js';

/** File name of the database inside the data directory. */
export const DB_FILE_NAME = 'portcullis.db';

/** Where the database lives, plus tuning knobs (mostly for tests). */
export type SqliteStoreOptions = ({ dataDir: string } | { file: string }) & {
  /** How long a writer waits for another process's lock before STORE_UNAVAILABLE. Default 5000. */
  busyTimeoutMs?: number;
  /** Clock for createdAt/updatedAt/change times; default Date.now. */
  now?: () => number;
};

let memoryCount = 0;

/** Creates the data directory (0700) and an empty database file (0600) when missing. */
function prepareFile(opts: SqliteStoreOptions): string {
  const file = 'dataDir' in opts ? join(opts.dataDir, DB_FILE_NAME) : opts.file;
  try {
    if ('dataDir' in opts) mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    if (file !== ':memory:' && !existsSync(file)) {
      // Created here, not by SQLite, so it never exists with umask-default permissions;
      // SQLite gives the -wal and -shm files the same mode as the database file.
      closeSync(openSync(file, 'a', 0o600));
      chmodSync(file, 0o600);
    }
  } catch (err) {
    // fs messages carry absolute paths; ours must not.
    throw new StoreError(
      'STORE_UNAVAILABLE',
      `The data directory or database file cannot be created (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the --data path and its permissions.`,
      { cause: err },
    );
  }
  return file;
}

/**
 * Opens (creating and migrating as needed) the SQLite store.
 * @example const store = openSqliteStore({ dataDir: './portcullis-data' });
 */
export function openSqliteStore(opts: SqliteStoreOptions): Store {
  let db: Database;
  const file = prepareFile(opts);
  try {
    db = openDatabase(file, { timeoutMs: opts.busyTimeoutMs ?? 5000 });
  } catch (err) {
    const mapped = mapSqliteError(err);
    if (mapped instanceof StoreError) throw mapped;
    throw new StoreError('STORE_UNAVAILABLE', 'The database file cannot be opened.', {
      cause: err,
    });
  }
  try {
    db.exec('PRAGMA journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose
    // the last transactions, which is an acceptable trade for audit write throughput.
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    runMigrations(db, undefined, opts.now);
  } catch (err) {
    db.close();
    throw mapSqliteError(err);
  }
  const gateKey = file === ':memory:' ? `:memory:${++memoryCount}` : realpathSync(file);
  return storeOver(new Conn(db, gateKey, opts.now));
}

function storeOver(conn: Conn): Store {
  return {
    configurations: sqliteConfigurations(conn),
    accounts: sqliteAccounts(conn),
    revokedTokens: sqliteRevokedTokens(conn),
    jwtServers: sqliteJwtServers(conn),
    audit: sqliteAudit(conn),
    changes: sqliteChanges(conn),
    content: sqliteContent(conn),
    manifestLinks: sqliteManifestLinks(conn),
    settings: sqliteSettings(conn),
    transaction: (fn) => conn.transaction(fn),
    close: () => conn.close(),
  };
}
