/**
 * Runs the shared Store contract against the PostgreSQL implementation on a real server
 * (PORTCULLIS_TEST_DATABASE_URL, default the local trust server): each test gets its own
 * schema, dropped afterwards. In CI (CI=true) a missing server fails the run instead of skipping.
 */
import { afterAll, describe } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import { runStoreContract } from './contract.js';
import { pgTestDatabase } from './pg-test-db.js';

const db = await pgTestDatabase();

afterAll(() => db?.dropAll());

describe.skipIf(!db)('PostgreSQL store contract (own schema per test)', () => {
  runStoreContract(async () => {
    const schema = await db!.createSchema();
    return openPostgresStore({ databaseUrl: db!.url, schema, maxConnections: 4 });
  });
});
