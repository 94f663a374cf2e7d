/**
 * The PostgreSQL connection pool shared by the repositories of a Store, with the same
 * transaction discipline as the SQLite `Conn`: `transaction(fn)` checks out one client and
 * every repository call made inside `fn` (tracked with AsyncLocalStorage) runs on it, while
 * calls from elsewhere take other pooled clients, so an unrelated audit flush is never rolled
 * back with someone else's failed transaction. Nested transactions are savepoints.
 *
 * SQL is written with `?` placeholders like the SQLite repositories (so they share the query
 * helpers of `store/sql-util.ts`) and numbered here; no SQL text in the store contains a
 * literal question mark.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { StoreError } from '../errors.js';

/** Friendly conflict messages keyed by the constraint or index PostgreSQL names. */
const CONFLICT_MESSAGES: Record<string, string> = {
  configurations_pkey: 'A configuration with that id already exists.',
  configurations_display_name: 'A configuration with that display name already exists.',
  accounts_pkey: 'An account with that id already exists.',
  accounts_username: 'An account with that username already exists.',
  jwt_servers_pkey: 'A JWT server with that id already exists.',
  jwt_servers_name: 'A JWT server with that name already exists.',
  jwt_servers_issuer_key: 'A JWT server with that issuer already exists.',
};

/** SQLSTATE classes meaning the server cannot be used right now (connection, resources, shutdown). */
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57', '58']);
/**
 * Single SQLSTATEs meaning the same: 55000 is what a database closed with `ALTER DATABASE …
 * ALLOW_CONNECTIONS false` (maintenance) answers; the store's own SQL never raises it otherwise.
 */
const UNAVAILABLE_CODES = new Set(['55000']);
/** Node socket errors meaning the same. */
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
]);

/** Node's TLS and OpenSSL failure codes (certificate checks, unreadable CA PEM). */
const TLS_CODE = /^(ERR_TLS_|ERR_OSSL_|ERR_SSL_)|CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/;

/** Turns driver failures into coded store errors; anything else (a bug) passes through. */
export function mapPgError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof StoreError) return err;
  const { code, constraint } = err as { code?: unknown; constraint?: unknown };
  if (code === '22021' || code === '22P05') {
    // Text PostgreSQL cannot store (U+0000): the caller's input, not the database, is at fault.
    return new StoreError(
      'STORE_INVALID_QUERY',
      'The text contains a character the database cannot store (U+0000).',
      { cause: err },
    );
  }
  if (code === '23505') {
    const message = typeof constraint === 'string' ? CONFLICT_MESSAGES[constraint] : undefined;
    return new StoreError('STORE_CONFLICT', message, { cause: err });
  }
  if (typeof code === 'string' && (code.startsWith('28') || code === '3D000')) {
    return new StoreError(
      'STORE_UNAVAILABLE',
      'The database refused the connection (user, password or database name).',
      { cause: err },
    );
  }
  if (
    (typeof code === 'string' && TLS_CODE.test(code)) ||
    /does not support SSL|certificate|self[- ]signed/i.test(err.message)
  ) {
    return new StoreError(
      'STORE_UNAVAILABLE',
      'The database connection failed its TLS checks (sslmode, the CA, or the server name).',
      { cause: err },
    );
  }
  if (
    (typeof code === 'string' &&
      (UNAVAILABLE_ERRNOS.has(code) ||
        UNAVAILABLE_CODES.has(code) ||
        UNAVAILABLE_CLASSES.has(code.slice(0, 2)))) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/i.test(
      err.message,
    )
  ) {
    return new StoreError('STORE_UNAVAILABLE', 'The database cannot be reached.', { cause: err });
  }
  return err;
}

/** Deadlocks and serialization failures: the whole transaction may simply be retried. */
export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/** int8 (COUNT, SUM, bigserial) and numeric come back as strings by default; ours fit a double. */
const TYPES = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return format === 'binary'
      ? pg.types.getTypeParser(oid, 'binary')
      : pg.types.getTypeParser(oid, 'text');
  },
};

/** Numbers `?` placeholders as `$1`, `$2`, … */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Something queries can run on: the pool or a checked-out client. */
type Queryable = Pick<pg.PoolClient, 'query'>;

/** Pool settings the store passes through to node-postgres. */
export type PgPoolConfig = pg.PoolConfig;

/** The pool, the clock and the transaction state of one Store. */
export class PgConn {
  readonly pool: pg.Pool;
  private readonly als = new AsyncLocalStorage<{ client: pg.PoolClient; savepoints: number }>();
  private closed = false;

  constructor(
    config: PgPoolConfig,
    readonly now: () => number = Date.now,
  ) {
    this.pool = new pg.Pool({ ...config, types: TYPES });
    // An idle client losing its server must not crash the process; the next query reports it.
    this.pool.on('error', () => {});
  }

  /** Current time as an ISO-8601 string (from the injectable clock). */
  iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Runs one statement (with `?` placeholders) on the transaction's client or the pool. */
  async query<R = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
  ): Promise<{ rows: R[]; rowCount: number }> {
    if (this.closed) throw new StoreError('STORE_UNAVAILABLE', 'The store is closed.');
    const target: Queryable = this.als.getStore()?.client ?? this.pool;
    try {
      const result = await target.query(numbered(sql), params);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    } catch (err) {
      throw mapPgError(err);
    }
  }

  /** The first row of a statement, or undefined. */
  async one<R>(sql: string, params: unknown[] = []): Promise<R | undefined> {
    return (await this.query<R>(sql, params)).rows[0];
  }

  /**
   * Runs `fn` atomically (a savepoint when nested); a deadlock or serialization failure of an
   * outermost transaction is retried `retries` times, since `fn` only talks to the database.
   * `begin` (constant SQL) may ask for an isolation level; a nested call keeps the outer one.
   */
  async transaction<T>(fn: () => Promise<T>, retries = 0, begin = 'BEGIN'): Promise<T> {
    if (this.closed) throw new StoreError('STORE_UNAVAILABLE', 'The store is closed.');
    const outer = this.als.getStore();
    if (outer) return this.nested(outer, fn);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(fn, begin);
      } catch (err) {
        if (attempt >= retries || !isRetryable(err)) throw mapPgError(err);
      }
    }
  }

  private async once<T>(fn: () => Promise<T>, begin: string): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw mapPgError(err);
    }
    let broken = false;
    try {
      await client.query(begin);
      const result = await this.als.run({ client, savepoints: 0 }, fn);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }

  private async nested<T>(
    state: { client: pg.PoolClient; savepoints: number },
    fn: () => Promise<T>,
  ): Promise<T> {
    const name = `sp${++state.savepoints}`;
    await state.client.query(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      await state.client.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      await state.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await state.client.query(`RELEASE SAVEPOINT ${name}`);
      throw err;
    }
  }

  /** Ends the pool once; later calls reject with STORE_UNAVAILABLE. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
