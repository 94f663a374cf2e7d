/**
 * The one file that knows which SQLite binding the store runs on: Node's built-in `node:sqlite`
 * (`DatabaseSync`), so installing Portcullis compiles nothing. Every other store file calls
 * `db.prepare(sql).run/get/all` and `db.exec`, which this binding and better-sqlite3 share, and
 * uses `immediate`/`deferred` below instead of a driver-specific transaction API.
 *
 * Features used and the Node.js versions that have them: `timeout`, `isTransaction` and
 * `backup()` (22.16 / 24.0). package.json `engines` says the same.
 */
import type { DatabaseSync } from 'node:sqlite';

/**
 * A prepared statement, typed as loosely as the store's row mapping needs: each repository
 * casts rows to its own `Row` type and maps them. Integers come back as numbers (`readBigInts`
 * stays off), so `changes` is a number.
 */
export interface Statement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** An open SQLite connection: the calls the store makes, and no others. */
export interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  close(): void;
  readonly isOpen: boolean;
  readonly isTransaction: boolean;
}

type Binding = typeof import('node:sqlite');

/** How to open a database file. */
export interface OpenOptions {
  /** How long a statement waits for another connection's lock before SQLITE_BUSY. Default 0. */
  timeoutMs?: number;
  /** Open read-only; the file must exist. */
  readOnly?: boolean;
}

/**
 * The exact warning Node.js 22 (and 24 before 24.15) prints once when `node:sqlite` loads. It
 * says the API may change, which is our concern (this file pins what we use), not the user's:
 * every Portcullis command would otherwise print it. Only this one warning is dropped, only
 * while the module loads; every other warning still reaches stderr (test/store/binding.test.ts).
 */
const SQLITE_WARNING = /^SQLite is an experimental feature/;

let binding: Binding | undefined;

/** Loads `node:sqlite` once, without its experimental-feature warning. */
function sqlite(): Binding {
  if (binding) return binding;
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string })?.type;
    const text = typeof warning === 'string' ? warning : warning.message;
    if (type === 'ExperimentalWarning' && SQLITE_WARNING.test(text)) return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    // Synchronous, and resolved by Node itself: test runners that rewrite imports cannot lose
    // the `node:` prefix this scheme-only module needs.
    binding = process.getBuiltinModule('node:sqlite') as Binding;
  } finally {
    process.emitWarning = emitWarning;
  }
  return binding;
}

/**
 * Opens (creating when missing, unless read-only) a database file or ':memory:'.
 * @example const db = openDatabase(file, { timeoutMs: 5000 });
 */
export function openDatabase(file: string, opts: OpenOptions = {}): Database {
  const { DatabaseSync } = sqlite();
  const db = new DatabaseSync(file, {
    readOnly: opts.readOnly ?? false,
    timeout: opts.timeoutMs ?? 0,
  });
  // DatabaseSync types `changes` as number | bigint for statements that read BigInts; ours don't.
  return db as unknown as Database;
}

/**
 * Online copy of `db` to `outFile` with SQLite's backup API (committed WAL content included).
 * @returns the number of pages copied.
 */
export function backupDatabase(db: Database, outFile: string): Promise<number> {
  return sqlite().backup(db as unknown as DatabaseSync, outFile);
}

let savepoints = 0;

/** Runs `fn` in a transaction begun with `begin`, or in a savepoint when one is already open. */
function inTransaction<T>(db: Database, begin: string, fn: () => T): T {
  const nested = db.isTransaction;
  const name = `tx${++savepoints}`;
  db.exec(nested ? `SAVEPOINT ${name}` : begin);
  try {
    const result = fn();
    if (result && typeof (result as { then?: unknown }).then === 'function') {
      // Synchronous work only: an await would leave the transaction open for anyone.
      throw new TypeError('A synchronous transaction function cannot return a promise');
    }
    db.exec(nested ? `RELEASE ${name}` : 'COMMIT');
    return result;
  } catch (err) {
    // A statement error may already have ended the transaction (SQLite rolls back on some).
    if (db.isOpen && db.isTransaction) {
      if (nested) {
        db.exec(`ROLLBACK TO ${name}`);
        db.exec(`RELEASE ${name}`);
      } else {
        db.exec('ROLLBACK');
      }
    }
    throw err;
  }
}

/**
 * Runs synchronous `fn` atomically, taking the write lock up front (`BEGIN IMMEDIATE`) so it
 * waits on the busy timeout instead of failing mid-way; a savepoint when already in a transaction.
 */
export function immediate<T>(db: Database, fn: () => T): T {
  return inTransaction(db, 'BEGIN IMMEDIATE', fn);
}

/** Runs synchronous `fn` in one read snapshot (`BEGIN DEFERRED`); a savepoint when nested. */
export function deferred<T>(db: Database, fn: () => T): T {
  return inTransaction(db, 'BEGIN DEFERRED', fn);
}
