/**
 * `portcullis admin migrate-store --from DIR --to postgres://…` through the built binary: a
 * SQLite store with every kind of record is copied into a fresh PostgreSQL schema, and the
 * PostgreSQL store then answers every read exactly as the SQLite one did; the keys decrypt with
 * the data directory's secret (and only with it); new ids continue after the copied ones; a
 * second run into the same, now non-empty database is refused and changes nothing.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import { decryptSecret, encryptSecret, loadOrCreateSecret } from '../../src/store/secret.js';
import { verifySecretInStore } from '../../src/store/secret-check.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { CLI, ensureBuilt } from '../helpers/dist.js';
import { configInput, downloadEvent, expectCode } from '../store/contract.js';
import { pgTestDatabase } from '../store/pg-test-db.js';

const db = await pgTestDatabase();
const dir = mkdtempSync(join(tmpdir(), 'portcullis-migrate-'));
const data = join(dir, 'data ü');
let secret: Uint8Array;
let schema = '';
let url = '';
const configId = '6f1c7c1e-1111-4e3b-9c1a-000000000001';

beforeAll(async () => {
  ensureBuilt();
  if (!db) return;
  schema = await db.createSchema();
  const u = new URL(db.url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  url = u.toString();
  secret = await loadOrCreateSecret(data, {});
  const s = openSqliteStore({ dataDir: data });
  await s.configurations.create(
    configInput({
      id: configId,
      displayName: 'Jamf Prod',
      privateKeyCiphertext: encryptSecret(secret, 'PRIVATE PEM', `configuration:${configId}`),
    }),
  );
  await s.accounts.create({
    username: 'Alice',
    passwordHash: 'scrypt$x',
    role: 'admin',
    disabled: false,
    mustChangePassword: true,
  });
  await s.jwtServers.create({
    name: 'IdP',
    issuer: 'https://idp.example',
    jwksUrl: null,
    sharedSecretCiphertext: encryptSecret(secret, 'shh', 'jwt-server:x'),
    audience: 'portcullis',
    role: 'read-only',
    usernameClaim: 'sub',
    enabled: false,
    requiredClaims: { tid: ['a', 'b'] },
  });
  await s.revokedTokens.revoke('jti-1', 4_000_000_000);
  await s.changes.record({
    actor: 'alice',
    action: 'configuration.create',
    targetType: 'configuration',
    targetId: configId,
    details: { n: 1 },
  });
  await s.settings.set('auditRetentionDays', '45');
  await s.content.upsert({
    path: 'apps/My App.ipa',
    size: 10,
    sha256: 'a'.repeat(64),
    kind: 'app',
    metadata: { bundleId: 'com.example' },
    mtimeMs: 1_700_000_000_123.5,
    uploadedBy: null,
  });
  await s.manifestLinks.create({
    id: '6f1c7c1e-2222-4e3b-9c1a-000000000002',
    contentPath: 'apps/My App.ipa',
    configurationId: configId,
    label: 'DDM: Sales',
    fingerprint: 'fp',
    createdBy: 'alice',
    expiresAt: '2030-01-01T00:00:00.000Z',
  });
  await s.manifestLinks.create({
    id: '6f1c7c1e-2222-4e3b-9c1a-000000000003',
    contentPath: 'apps/My App.ipa',
    configurationId: configId,
    label: 'Revoked',
    fingerprint: 'fp2',
    createdBy: 'alice',
    expiresAt: '2030-01-01T00:00:00.000Z',
  });
  await s.manifestLinks.revoke('6f1c7c1e-2222-4e3b-9c1a-000000000003', 'bob');
  await s.manifestLinks.markUsed('6f1c7c1e-2222-4e3b-9c1a-000000000002', 0);
  const now = Date.now();
  await s.audit.insert([
    ...Array.from({ length: 2500 }, (_, i) =>
      downloadEvent({ time: now - i * 1000, path: `/p${i % 5}` }),
    ),
    ...Array.from({ length: 30 }, (_, i) =>
      downloadEvent({ time: now - i, status: 401, outcome: 'TOKEN_MISSING' }),
    ),
  ]);
  await s.close();
}, 120_000);
afterAll(async () => {
  await db?.dropAll();
  rmSync(dir, { recursive: true, force: true });
});

const migrate = () =>
  spawnSync(process.execPath, [CLI, 'admin', 'migrate-store', '--from', data, '--to', url], {
    encoding: 'utf8',
  });

/** Everything a node reads, in one comparable object. */
async function snapshot(store: Store) {
  const since = Date.now() - 3 * 3_600_000;
  return {
    configurations: await store.configurations.list(),
    accounts: await store.accounts.list(),
    jwtServers: await store.jwtServers.list(),
    revoked: await store.revokedTokens.isRevoked('jti-1'),
    changes: await store.changes.query({}),
    retention: await store.settings.get('auditRetentionDays'),
    content: await store.content.list(),
    manifestLinks: await store.manifestLinks.list(),
    audit: await store.audit.query({ limit: 1000 }),
    rows: await store.audit.rowCount(),
    stats: await store.audit.stats({ since, bucketMs: 3_600_000 }),
    generation: await store.configurations.generation(),
  };
}

describe.skipIf(!db)('portcullis admin migrate-store', () => {
  it('copies every record, prints equal counts, and the copy reads exactly like the source', async () => {
    const r = migrate();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/audit_events\s+2501 → 2501/);
    expect(r.stdout).toMatch(/configurations\s+1 → 1/);
    expect(r.stdout).toContain('Every count matches');
    expect(r.stdout).toMatch(/manifest_links\s+2 → 2/);
    // Every table of the SQLite schema is copied (a new table missing from the copy fails here).
    const source = new DatabaseSync(join(data, 'portcullis.db'), { readOnly: true });
    const tables = source
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'",
      )
      .all() as Array<{ name: string }>;
    source.close();
    expect(tables.length).toBeGreaterThan(10);
    for (const { name } of tables)
      expect(r.stdout).toMatch(new RegExp(`\\b${name}\\s+\\d+ → \\d+`));
    const sqlite = openSqliteStore({ dataDir: data });
    const pg = await openPostgresStore({ databaseUrl: db!.url, schema });
    expect(await snapshot(pg)).toEqual(await snapshot(sqlite));
    await sqlite.close();
    // Keys stayed encrypted, with the data directory's secret and their record as context.
    const [c] = await pg.configurations.list();
    expect(c!.privateKeyCiphertext.startsWith('v1:')).toBe(true);
    expect(
      Buffer.from(
        decryptSecret(secret, c!.privateKeyCiphertext, `configuration:${configId}`),
      ).toString(),
    ).toBe('PRIVATE PEM');
    // The secret check came along: the right secret passes, another is refused.
    await verifySecretInStore(pg, secret);
    await expectCode(
      verifySecretInStore(pg, new Uint8Array(randomBytes(32))),
      'STORE_SECRET_MISMATCH',
    );
    // Ids continue after the copied ones.
    const top = (await pg.audit.query({ limit: 1 })).items[0]!.id;
    await pg.audit.insert([downloadEvent({ path: '/new' })]);
    expect((await pg.audit.query({ limit: 1 })).items[0]).toMatchObject({
      path: '/new',
      id: top + 1,
    });
    await pg.close();
  });

  it('refuses to copy into a database that already holds data', async () => {
    const r = migrate();
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('STORE_CONFLICT');
    const pg = await openPostgresStore({ databaseUrl: db!.url, schema });
    expect(await pg.accounts.count()).toBe(1);
    await pg.close();
  });
});
