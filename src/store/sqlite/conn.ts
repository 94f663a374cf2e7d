/**
 * One SQLite connection shared by the repositories of a Store, plus the async
 * transaction discipline: while `transaction(fn)` is open, calls that belong to it (tracked
 * with AsyncLocalStorage) run inside it and every other caller waits, so an unrelated audit
 * flush can never be rolled back with someone else's failed transaction.
 *
 * The gate is shared by every Store on the same file in this process: the driver waits
 * for locks synchronously, so a second in-process connection blocking on a lock held across
 * an `await` would freeze the event loop and deadlock until the busy timeout.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { StoreError } from '../errors.js';
import { type Database, immediate, type Statement } from './database.js';

/** Friendly conflict messages keyed by the `table.column` SQLite names in the error. */
const CONFLICT_MESSAGES: Record<string, string> = {
  'configurations.id': 'A configuration with that id already exists.',
  'configurations.display_name': 'A configuration with that display name already exists.',
  'accounts.id': 'An account with that id already exists.',
  'accounts.username': 'An account with that username already exists.',
  'jwt_servers.id': 'A JWT server with that id already exists.',
  'jwt_servers.name': 'A JWT server with that name already exists.',
  'jwt_servers.issuer': 'A JWT server with that issuer already exists.',
};

/** SQLite result codes (sqlite.org/rescode.html) the store maps; node:sqlite reports `errcode`. */
const SQLITE_CONSTRAINT_UNIQUE = 2067;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
/** Primary codes meaning the file cannot be used: READONLY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB. */
const UNUSABLE = new Set([8, 10, 11, 13, 14, 26]);

/** Turns SQLite failures into coded store errors; anything else (a bug) passes through. */
export function mapSqliteError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof StoreError) return err;
  const { code, errcode } = err as { code?: unknown; errcode?: unknown };
  if (code === 'ERR_INVALID_STATE' && /database is not open/i.test(err.message)) {
    return new StoreError('STORE_UNAVAILABLE', 'The store is closed.', { cause: err });
  }
  if (code !== 'ERR_SQLITE_ERROR' || typeof errcode !== 'number') return err;
  if (errcode === SQLITE_CONSTRAINT_UNIQUE || errcode === SQLITE_CONSTRAINT_PRIMARYKEY) {
    const column = /constraint failed: ([\w.]+)/.exec(err.message)?.[1] ?? '';
    return new StoreError('STORE_CONFLICT', CONFLICT_MESSAGES[column], { cause: err });
  }
  // Extended codes carry their primary code in the low byte.
  const primary = errcode & 0xff;
  if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) {
    return new StoreError('STORE_UNAVAILABLE', 'The database stayed locked too long.', {
      cause: err,
    });
  }
  if (UNUSABLE.has(primary)) return new StoreError('STORE_UNAVAILABLE', undefined, { cause: err });
  return err;
}

/** Transaction state shared by all connections to one file within this process. */
class Gate {
  readonly als = new AsyncLocalStorage<symbol>();
  active: { token: symbol; done: Promise<void>; owner: Conn } | null = null;
  refs = 0;
}

const gates = new Map<string, Gate>();

/** A shared connection with a statement cache and async-aware transactions. */
export class Conn {
  readonly db: Database;
  private readonly cache = new Map<string, Statement>();
  private readonly gate: Gate;
  private savepoints = 0;
  private released = false;

  /** `gateKey` identifies the database file (resolved path); ':memory:' callers pass a unique key. */
  constructor(
    db: Database,
    private readonly gateKey: string,
    readonly now: () => number = Date.now,
  ) {
    this.db = db;
    let gate = gates.get(gateKey);
    if (!gate) {
      gate = new Gate();
      gates.set(gateKey, gate);
    }
    gate.refs++;
    this.gate = gate;
  }

  private get active() {
    return this.gate.active;
  }

  private get als() {
    return this.gate.als;
  }

  /** Current time as an ISO-8601 string (from the injectable clock). */
  iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** A cached prepared statement for constant SQL. */
  stmt(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  /** Runs synchronous database work once no foreign transaction is open. */
  async run<T>(fn: (db: Database) => T): Promise<T> {
    for (let p = this.blocker(); p; p = this.blocker()) await p;
    try {
      if (!this.db.isOpen) throw new StoreError('STORE_UNAVAILABLE', 'The store is closed.');
      return fn(this.db);
    } catch (err) {
      throw mapSqliteError(err);
    }
  }

  /** Runs synchronous multi-statement work atomically (a savepoint when nested). */
  async write<T>(fn: (db: Database) => T): Promise<T> {
    return this.run((db) => immediate(db, () => fn(db)));
  }

  /** Async transaction; see the file comment for the isolation rule. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    for (let p = this.blocker(); p; p = this.blocker()) await p;
    if (this.active) return this.nested(fn); // blocker() passed: it is our own transaction
    if (!this.db.isOpen) throw new StoreError('STORE_UNAVAILABLE', 'The store is closed.');
    const token = Symbol('tx');
    let release!: () => void;
    this.gate.active = { token, done: new Promise<void>((r) => (release = r)), owner: this };
    try {
      try {
        this.db.exec('BEGIN IMMEDIATE');
      } catch (err) {
        throw mapSqliteError(err);
      }
      try {
        const result = await this.als.run(token, fn);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.isOpen && this.db.isTransaction) this.db.exec('ROLLBACK');
        throw mapSqliteError(err);
      }
    } finally {
      this.gate.active = null;
      release();
    }
  }

  /** Closes the connection after any open transaction settles. */
  async close(): Promise<void> {
    for (let p = this.blocker(); p; p = this.blocker()) await p;
    if (this.db.isOpen) this.db.close();
    this.cache.clear();
    if (!this.released) {
      this.released = true;
      if (--this.gate.refs === 0) gates.delete(this.gateKey);
    }
  }

  private async nested<T>(fn: () => Promise<T>): Promise<T> {
    const name = `sp${++this.savepoints}`;
    this.db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      this.db.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      this.db.exec(`ROLLBACK TO ${name}`);
      this.db.exec(`RELEASE ${name}`);
      throw err;
    }
  }

  /**
   * The transaction callers must wait for, if any. Callers loop `for (let p = …; p; p = …)
   * await p;` inline, so the check and the database call that follows run in one synchronous
   * step: an `await waitForTurn()` would leave a gap in which another transaction can begin.
   */
  private blocker(): Promise<void> | undefined {
    const active = this.active;
    if (!active) return undefined;
    if (this.als.getStore() !== active.token) return active.done;
    if (active.owner !== this) {
      // Its lock is held by the transaction's own connection: waiting here could never end.
      throw new TypeError('Inside store.transaction(), use the Store that opened the transaction');
    }
    return undefined;
  }
}
