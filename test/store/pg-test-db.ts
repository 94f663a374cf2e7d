/**
 * The PostgreSQL server the tests use: PORTCULLIS_TEST_DATABASE_URL, or the local server on
 * 127.0.0.1:5432 (user postgres). Tests make throw-away schemas through it and drop them.
 * Outside CI a missing server skips the PostgreSQL tests with a note; with CI=true it throws,
 * so a CI run without PostgreSQL fails instead of passing on half the suite.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Default when PORTCULLIS_TEST_DATABASE_URL is unset. */
export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A reachable test server and the schemas made on it. */
export interface PgTestDatabase {
  url: string;
  /** Creates an empty schema with a unique name and returns the name. */
  createSchema(): Promise<string>;
  /** Drops every schema `createSchema` made and closes the admin connection. */
  dropAll(): Promise<void>;
  /** Runs SQL as the admin connection (for tests that need to look behind the store). */
  admin: pg.Pool;
}

/** Connects to the test server, or returns undefined (outside CI) when there is none. */
export async function pgTestDatabase(): Promise<PgTestDatabase | undefined> {
  const url = process.env.PORTCULLIS_TEST_DATABASE_URL || DEFAULT_TEST_DATABASE_URL;
  const admin = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 3000 });
  admin.on('error', () => {});
  try {
    await admin.query('SELECT 1');
  } catch (err) {
    await admin.end().catch(() => {});
    if (process.env.CI === 'true') {
      throw new Error(`PostgreSQL tests need a server (PORTCULLIS_TEST_DATABASE_URL): ${err}`);
    }
    console.warn('PostgreSQL not reachable; skipping its tests (CI=true makes this fail).');
    return undefined;
  }
  const made: string[] = [];
  return {
    url,
    admin,
    async createSchema() {
      const name = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
      await admin.query(`CREATE SCHEMA ${name}`);
      made.push(name);
      return name;
    },
    async dropAll() {
      for (const name of made.splice(0)) await admin.query(`DROP SCHEMA ${name} CASCADE`);
      await admin.end();
    },
  };
}
