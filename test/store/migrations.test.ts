/** Schema migrations: fresh files, upgrades from version 1 with data, refusals, atomic steps. */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { runMigrations } from '../../src/store/sqlite/migrate.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/store/sqlite/migrations/index.js';
import { DB_FILE_NAME, openSqliteStore } from '../../src/store/sqlite.js';
import { downloadEvent } from './contract.js';

const root = mkdtempSync(join(tmpdir(), 'portcullis-migrate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${++n}`);

const versions = (file: string) => {
  const db = openDatabase(file, { readOnly: true });
  try {
    return db.prepare('SELECT version, name, applied_at FROM schema_migrations').all() as Array<{
      version: number;
      name: string;
      applied_at: string;
    }>;
  } finally {
    db.close();
  }
};

describe('migrations', () => {
  it('creates a fresh database at the latest version: WAL, 0700 dir, 0600 files', async () => {
    const dir = freshDir();
    const store = openSqliteStore({ dataDir: join(dir, 'nested') });
    await store.settings.set('x', 'y');
    const file = join(dir, 'nested', DB_FILE_NAME);
    const applied = versions(file);
    expect(applied.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(applied.at(-1)!.version).toBe(LATEST_SCHEMA_VERSION);
    for (const v of applied) expect(Date.parse(v.applied_at)).not.toBeNaN();
    if (process.platform !== 'win32') {
      expect(statSync(join(dir, 'nested')).mode & 0o777).toBe(0o700);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o600);
    }
    const db = openDatabase(file, { readOnly: true });
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    db.close();
    await store.close();
    // Re-opening applies nothing again.
    await openSqliteStore({ dataDir: join(dir, 'nested') }).close();
    expect(versions(file)).toEqual(applied);
  });

  it('upgrades a version-1 database and keeps its data', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    const file = join(dir, DB_FILE_NAME);
    const old = openDatabase(file);
    runMigrations(old, MIGRATIONS.slice(0, 1));
    old
      .prepare(
        `INSERT INTO configurations (id, display_name, private_key_ciphertext, public_key_pem, kid,
          fingerprint, key_bits, token_expiry_seconds, enabled, created_at, updated_at)
         VALUES ('c1', 'Jamf Prod', 'v1:x', 'PEM', 'k1', 'fp', 2048, 300, 1, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')`,
      )
      .run();
    old
      .prepare(
        `INSERT INTO accounts (id, username, password_hash, role, created_at)
         VALUES ('a1', 'admin', 'scrypt$h', 'admin', '2025-01-01T00:00:00.000Z')`,
      )
      .run();
    old.prepare(`INSERT INTO settings (key, value) VALUES ('auditRetentionDays', '30')`).run();
    expect(versions(file).map((v) => v.version)).toEqual([1]);
    old.close();

    const store = openSqliteStore({ file });
    expect(versions(file).map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await store.configurations.get('c1')).toMatchObject({
      displayName: 'Jamf Prod',
      enabled: true,
      certificatePem: null,
      rotatedAt: null,
    });
    expect(await store.accounts.getByUsername('ADMIN')).toMatchObject({
      id: 'a1',
      disabled: false,
      mustChangePassword: false,
      sessionEpoch: 0,
    });
    expect(await store.settings.get('auditRetentionDays')).toBe('30');
    await store.audit.insert([downloadEvent()]);
    expect((await store.audit.query({})).items).toHaveLength(1);
    await store.close();
  });

  it('migration 5 backfills the stats rollups and row count from existing audit rows', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    const file = join(dir, DB_FILE_NAME);
    const old = openDatabase(file);
    runMigrations(
      old,
      MIGRATIONS.filter((m) => m.version < 5),
    );
    const insert = old.prepare(
      `INSERT INTO audit_events (time, method, path, status, outcome, bytes_sent, client_address,
        duration_ms, via) VALUES (?, 'GET', ?, ?, ?, 0, '192.0.2.1', 1, 'file')`,
    );
    const hour = Date.UTC(2026, 0, 1, 10);
    insert.run(hour + 1, '/a.ipa', 200, 'OK');
    insert.run(hour + 2, '/a.ipa', 200, 'OK');
    insert.run(hour + 61_000, '/b.pkg', 304, 'NOT_MODIFIED');
    insert.run(hour + 3_600_000, '/x', 401, 'TOKEN_MISSING');
    old.close();

    const store = openSqliteStore({ file, now: () => hour + 2 * 3_600_000 });
    expect(await store.audit.rowCount()).toBe(4);
    const hourly = await store.audit.stats({ since: hour, bucketMs: 3_600_000 });
    expect(hourly.buckets.slice(0, 2)).toEqual([
      { t: hour, ok: 3, refused: 0 },
      { t: hour + 3_600_000, ok: 0, refused: 1 },
    ]);
    expect(hourly.byOutcome).toEqual({ OK: 2, NOT_MODIFIED: 1, TOKEN_MISSING: 1 });
    expect(hourly.topPaths).toEqual([
      { path: '/a.ipa', count: 2 },
      { path: '/b.pkg', count: 1 },
    ]);
    const long = await store.audit.stats({ since: hour - 3 * 86_400_000, bucketMs: 86_400_000 });
    expect(long.topPaths).toEqual(hourly.topPaths);
    const minutes = await store.audit.stats({ since: hour, bucketMs: 60_000 });
    expect(minutes.buckets.slice(0, 2)).toEqual([
      { t: hour, ok: 2, refused: 0 },
      { t: hour + 60_000, ok: 1, refused: 0 },
    ]);
    // Old rows read back as single requests.
    expect((await store.audit.query({})).items.every((e) => e.count === 1 && !e.aggregated)).toBe(
      true,
    );
    await store.close();
  });

  it('migration 6 gives existing JWT servers no required claims and a one-hour lifetime', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    const file = join(dir, DB_FILE_NAME);
    const old = openDatabase(file);
    runMigrations(
      old,
      MIGRATIONS.filter((m) => m.version < 6),
    );
    old
      .prepare(
        `INSERT INTO jwt_servers (id, name, issuer, jwks_url, audience, role, username_claim,
          enabled, created_at, updated_at)
         VALUES ('s1', 'CI', 'https://ci.example', 'https://ci.example/jwks', 'portcullis',
          'admin', 'repository', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
      )
      .run();
    old.close();

    const store = openSqliteStore({ file });
    expect(versions(file).map((v) => v.version)).toContain(6);
    expect(await store.jwtServers.get('s1')).toMatchObject({
      name: 'CI',
      role: 'admin',
      usernameClaim: 'repository',
      requiredClaims: {},
      maxTokenLifetimeSeconds: 3600,
    });
    const pinned = await store.jwtServers.update('s1', { requiredClaims: { team: ['a', 'b'] } });
    expect(pinned?.requiredClaims).toEqual({ team: ['a', 'b'] });
    await store.close();
  });

  it('opens a data directory written by the better-sqlite3 release and keeps its data', async () => {
    // fixtures/schema-3: written by better-sqlite3 12.11.1 on Node 20 (see make.mjs there).
    const dir = freshDir();
    mkdirSync(dir);
    copyFileSync(
      join(import.meta.dirname, 'fixtures', 'schema-3', DB_FILE_NAME),
      join(dir, DB_FILE_NAME),
    );
    const store = openSqliteStore({ dataDir: dir });
    const file = join(dir, DB_FILE_NAME);
    expect(versions(file).map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
    const id = '3f2b8c1e-0000-4000-8000-000000000001';
    expect(await store.configurations.get(id)).toMatchObject({
      displayName: 'Jamf Prod',
      kid: 'kid-1',
      enabled: true,
      createdAt: '2026-11-01T12:00:00.000Z',
    });
    expect(await store.accounts.getByUsername('alice')).toMatchObject({ role: 'admin' });
    expect(await store.settings.get('auditRetentionDays')).toBe('30');
    expect(await store.revokedTokens.isRevoked('jti-1')).toBe(true);
    expect(await store.content.get('apps/Fixture App.ipa')).toMatchObject({
      kind: 'app',
      version: 1,
      metadata: { bundleId: 'com.example.fixture' },
    });
    expect((await store.changes.query({})).items).toMatchObject([
      { action: 'configuration.create', targetId: id, details: { displayName: 'Jamf Prod' } },
    ]);
    const audit = await store.audit.query({});
    expect(audit.items.map((e) => [e.id, e.outcome, e.configurationId])).toEqual([
      [3, 'TOKEN_EXPIRED', id],
      [2, 'OK', id],
      [1, 'OK', id],
    ]);
    // Still WAL, and new rows continue the old ids (AUTOINCREMENT survives the switch).
    await store.audit.insert([downloadEvent()]);
    expect((await store.audit.query({ limit: 1 })).items[0]!.id).toBe(4);
    await store.close();
    const db = openDatabase(file, { readOnly: true });
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    db.close();
  });

  it('refuses a database from a newer schema with STORE_SCHEMA_TOO_NEW, naming no path', async () => {
    const dir = freshDir();
    await openSqliteStore({ dataDir: dir }).close();
    const db = openDatabase(join(dir, DB_FILE_NAME));
    db.prepare(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')",
    ).run();
    db.close();
    const err = (() => {
      try {
        openSqliteStore({ dataDir: dir });
      } catch (e) {
        return e as Error & { code: string };
      }
      return undefined;
    })();
    expect(err).toMatchObject({ code: 'STORE_SCHEMA_TOO_NEW', status: 500 });
    expect(err!.message).toContain('99');
    expect(err!.message).not.toContain(root);
  });

  it('rolls back a failing migration completely', () => {
    const db = openDatabase(join(root, `bad-${++n}.db`));
    runMigrations(db);
    const broken = {
      version: 99,
      name: 'broken',
      sql: 'CREATE TABLE half (x); SELECT nope FROM nowhere;',
    };
    expect(() => runMigrations(db, [...MIGRATIONS, broken])).toThrow();
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").all();
    expect(tables).toEqual([]);
    expect(db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({
      v: LATEST_SCHEMA_VERSION,
    });
    db.close();
  });

  it('refuses a file that is not a database with STORE_UNAVAILABLE', () => {
    const file = join(root, `junk-${++n}.db`);
    writeFileSync(file, 'this is not sqlite '.repeat(100));
    expect(() => openSqliteStore({ file })).toThrow(
      expect.objectContaining({ code: 'STORE_UNAVAILABLE' }),
    );
  });

  it('refuses a data directory that cannot be created, naming no absolute path', () => {
    const blocker = join(root, `file-${++n}`);
    writeFileSync(blocker, 'x');
    const err = (() => {
      try {
        openSqliteStore({ dataDir: join(blocker, 'data') });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(err!.message).not.toContain(root);
  });

  it('declares strictly increasing migration versions', () => {
    const v = MIGRATIONS.map((m) => m.version);
    expect(v).toEqual([...v].sort((a, b) => a - b));
    expect(new Set(v).size).toBe(v.length);
    expect(v[0]).toBe(1);
  });
});
