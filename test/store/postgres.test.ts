/**
 * What only the PostgreSQL store has to prove, on a real server: migrations under the advisory
 * lock (two nodes opening an empty schema migrate once), the newer-schema refusal, coded errors
 * that never show the URL's password, hostile audit text that PostgreSQL would refuse, two nodes
 * writing the same aggregates at once, and the secret check shared through the database.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { PG_LATEST_SCHEMA_VERSION } from '../../src/store/postgres/migrate.js';
import { openPostgresStore, redactDatabaseUrl } from '../../src/store/postgres.js';
import { verifySecretInStore } from '../../src/store/secret-check.js';
import { downloadEvent, expectCode } from './contract.js';
import { pgTestDatabase } from './pg-test-db.js';

const db = await pgTestDatabase();
afterAll(() => db?.dropAll());

const open = async (schema: string) =>
  openPostgresStore({ databaseUrl: db!.url, schema, maxConnections: 4 });

describe.skipIf(!db)('PostgreSQL store', () => {
  it('migrates once when several nodes open an empty schema at the same moment', async () => {
    const schema = await db!.createSchema();
    const stores = await Promise.all([open(schema), open(schema), open(schema), open(schema)]);
    const { rows } = await db!.admin.query(
      `SELECT version, name FROM ${schema}.schema_migrations ORDER BY version`,
    );
    expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await stores[0]!.settings.set('k', 'v');
    expect(await stores[3]!.settings.get('k')).toBe('v');
    await Promise.all(stores.map((s) => s.close()));
  });

  it('refuses a schema written by a newer Portcullis, changing nothing', async () => {
    const schema = await db!.createSchema();
    await (await open(schema)).close();
    await db!.admin.query(
      `INSERT INTO ${schema}.schema_migrations VALUES (99, 'future', '2030-01-01T00:00:00Z')`,
    );
    await expectCode(open(schema), 'STORE_SCHEMA_TOO_NEW');
    const { rows } = await db!.admin.query(
      `SELECT COUNT(*)::int AS n FROM ${schema}.schema_migrations`,
    );
    // Every migration this build knows, plus the future one: nothing added, nothing removed.
    expect(rows[0].n).toBe(PG_LATEST_SCHEMA_VERSION + 1);
  });

  it('reports an unreachable server as STORE_UNAVAILABLE without the password', async () => {
    const url = 'postgres://portcullis:hunter2-secret@127.0.0.1:1/portcullis';
    const err = await openPostgresStore({ databaseUrl: url }).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(String((err as Error).message)).not.toContain('hunter2');
    expect(redactDatabaseUrl(url)).toBe('postgres://portcullis:***@127.0.0.1:1/portcullis');
    expect(redactDatabaseUrl('postgres://u@h/d?sslpassword=x&sslmode=require')).not.toContain('x&');
    await expectCode(openPostgresStore({ databaseUrl: 'mysql://u@h/d' }), 'STORE_UNAVAILABLE');
  });

  it('reports a database closed to connections (ALLOW_CONNECTIONS false) as STORE_UNAVAILABLE', async () => {
    // What an operator does before maintenance; PostgreSQL answers SQLSTATE 55000 for it.
    const name = `t_closed_${process.pid}_${randomBytes(4).toString('hex')}`;
    await db!.admin.query(`CREATE DATABASE ${name}`);
    try {
      await db!.admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      const url = new URL(db!.url);
      url.pathname = `/${name}`;
      const err = await openPostgresStore({ databaseUrl: url.href }).catch((e: Error) => e);
      expect(err).toMatchObject({
        code: 'STORE_UNAVAILABLE',
        message: 'The database cannot be reached.',
      });
    } finally {
      await db!.admin.query(`DROP DATABASE ${name}`);
    }
  });

  it('stores NUL bytes in hostile audit text as U+FFFD instead of losing the batch', async () => {
    const store = await open(await db!.createSchema());
    await store.audit.insert([
      downloadEvent({ path: '/a\0b', userAgent: 'x\0y' }),
      downloadEvent({ path: '/ok' }),
      downloadEvent({ status: 401, outcome: 'TOKEN\0MISSING', method: 'G\0T' }),
    ]);
    const { items } = await store.audit.query({});
    expect(items.map((e) => e.path).sort()).toEqual(['/a\uFFFDb', '/apps/App.ipa', '/ok'].sort());
    expect(items.find((e) => e.path === '/a\uFFFDb')?.userAgent).toBe('x\uFFFDy');
    expect((await store.audit.query({ path: '/a\0*' })).items).toHaveLength(1);
    await store.close();
  });

  it('counts every request when two nodes fold the same anonymous refusals at once', async () => {
    const schema = await db!.createSchema();
    const [a, b] = [await open(schema), await open(schema)];
    const minute = 1_700_000_040_000;
    const batch = (node: string) =>
      Array.from({ length: 400 }, (_, i) =>
        downloadEvent({
          time: minute + (i % 60) * 1000,
          status: 401,
          outcome: i % 2 ? 'TOKEN_MISSING' : 'SIGNATURE_INVALID',
          clientAddress: `10.0.0.${i % 7}`,
          path: `/${node}/${i}`,
        }),
      );
    // Interleaved batches in opposite key orders: without a fixed lock order they deadlock.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 ? a.audit.insert(batch('a')) : b.audit.insert(batch('b').reverse()),
      ),
    );
    const { items } = await a.audit.query({ limit: 1000 });
    expect(items).toHaveLength(14);
    expect(items.reduce((n, e) => n + e.count, 0)).toBe(4000);
    expect(await b.audit.rowCount()).toBe(14);
    const stats = await b.audit.stats({ since: minute, bucketMs: 3_600_000 * 100_000 });
    expect(stats.byOutcome).toEqual({ TOKEN_MISSING: 2000, SIGNATURE_INVALID: 2000 });
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses a node whose secret differs from the one the database was set up with', async () => {
    const schema = await db!.createSchema();
    const [a, b] = [await open(schema), await open(schema)];
    const secret = new Uint8Array(randomBytes(32));
    await verifySecretInStore(a, secret);
    await verifySecretInStore(b, secret);
    await expectCode(
      verifySecretInStore(b, new Uint8Array(randomBytes(32))),
      'STORE_SECRET_MISMATCH',
    );
    await Promise.all([a.close(), b.close()]);
  });

  it('maps conflicts on case-insensitive names to STORE_CONFLICT with a readable message', async () => {
    const store = await open(await db!.createSchema());
    const base = {
      passwordHash: 'scrypt$x',
      role: 'admin' as const,
      disabled: false,
      mustChangePassword: false,
    };
    await store.accounts.create({ ...base, username: 'Ärger' });
    const err = await store.accounts.create({ ...base, username: 'ärger' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'STORE_CONFLICT' });
    expect(err.message).toBe('An account with that username already exists.');
    await store.close();
  });
});

describe.skipIf(!db)('PostgreSQL change notifications', () => {
  it('reaches another node at once: its key source reloads long before its next poll', async () => {
    const schema = await db!.createSchema();
    const [a, b] = [await open(schema), await open(schema)];
    const { storeKeySource } = await import('../../src/store/key-source.js');
    const { configInput } = await import('./contract.js');
    const { generateKeyPairSync } = await import('node:crypto');
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const created = await a.configurations.create(configInput({ publicKeyPem: pem }));
    // A one-minute poll: only a notification can explain a reload within a second.
    const source = storeKeySource(b, { pollMs: 60_000 });
    expect(await source.load()).toHaveLength(1);
    let changes = 0;
    const stop = source.watch!(() => changes++);
    await new Promise((r) => setTimeout(r, 300)); // LISTEN is up
    const t0 = Date.now();
    await a.configurations.update(created.id, { enabled: false });
    while (changes === 0 && Date.now() - t0 < 1000) await new Promise((r) => setTimeout(r, 10));
    expect(changes).toBe(1);
    expect(await source.load()).toHaveLength(0);
    stop();
    await Promise.all([a.close(), b.close()]);
  });
});

describe.skipIf(!db)('PostgreSQL transactions across nodes', () => {
  it('serializes invariant checks: two nodes cannot both disable one of the last two admins', async () => {
    const schema = await db!.createSchema();
    const [a, b] = [await open(schema), await open(schema)];
    const base = { passwordHash: 'x', role: 'admin' as const, mustChangePassword: false };
    const x = await a.accounts.create({ ...base, username: 'x', disabled: false });
    const y = await a.accounts.create({ ...base, username: 'y', disabled: false });
    // What the admin API does: count the enabled admins, refuse to disable the last one.
    const disableUnlessLast = (store: typeof a, id: string) =>
      store.transaction(async () => {
        const enabled = (await store.accounts.list()).filter((u) => !u.disabled).length;
        await new Promise((r) => setTimeout(r, 100)); // both have read before either writes
        if (enabled > 1) await store.accounts.update(id, { disabled: true });
      });
    await Promise.all([disableUnlessLast(a, x.id), disableUnlessLast(b, y.id)]);
    expect((await a.accounts.list()).filter((u) => !u.disabled)).toHaveLength(1);
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses text PostgreSQL cannot store with STORE_INVALID_QUERY, not a crash', async () => {
    const store = await open(await db!.createSchema());
    await expectCode(store.changes.query({ actor: 'a\0b' }), 'STORE_INVALID_QUERY');
    await expectCode(store.settings.set('k', 'v\0'), 'STORE_INVALID_QUERY');
    expect(await store.settings.get('k')).toBeUndefined();
    await store.close();
  });
});
