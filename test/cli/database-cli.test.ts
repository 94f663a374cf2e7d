/**
 * `portcullis admin` and `content` with `--database` / PORTCULLIS_DATABASE_URL through the
 * built binary against a real PostgreSQL (its own schema, named in the URL's `options`): the
 * same commands work on the shared store, a CA forces TLS (no silent plaintext fallback), and
 * neither the password nor the URL's password is ever printed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import { CLI, ensureBuilt } from '../helpers/dist.js';
import { pgTestDatabase } from '../store/pg-test-db.js';

const db = await pgTestDatabase();
const dir = mkdtempSync(join(tmpdir(), 'portcullis-db-cli-'));
const PASSWORD = 'correct horse battery staple';
let schema = '';
let url = '';

beforeAll(async () => {
  ensureBuilt();
  writeFileSync(join(dir, 'pw.txt'), `${PASSWORD}\n`);
  writeFileSync(
    join(dir, 'ca.pem'),
    '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  );
  if (!db) return;
  schema = await db.createSchema();
  const u = new URL(db.url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  url = u.toString();
}, 120_000);
afterAll(async () => {
  await db?.dropAll();
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, PORTCULLIS_DATABASE_URL: '', ...env },
  });
  for (const out of [r.stdout, r.stderr]) {
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain('hunter2');
  }
  return r;
}

describe.skipIf(!db)('admin and content commands on a PostgreSQL store', () => {
  it('creates an account with --database and lists it through PORTCULLIS_DATABASE_URL', async () => {
    const made = cli([
      'admin',
      'create',
      '--username',
      'alice',
      '--password-file',
      'pw.txt',
      '--database',
      url,
    ]);
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);
    const listed = cli(['admin', 'list', '--json'], { PORTCULLIS_DATABASE_URL: url });
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ username: 'alice' })]);
    // The row is in PostgreSQL, not in a data directory.
    const store = await openPostgresStore({ databaseUrl: db!.url, schema });
    expect((await store.accounts.getByUsername('ALICE'))?.role).toBe('admin');
    await store.close();
    const content = cli(['content', 'list', '--json', '--database', url, '--root', dir]);
    expect(content.status).toBe(0);
    expect(JSON.parse(content.stdout)).toEqual([]);
  });

  it('fails with a coded line and no password when the server refuses or is away', () => {
    const away = cli(['admin', 'list', '--database', 'postgres://u:hunter2@127.0.0.1:1/x']);
    expect(away.status).not.toBe(0);
    expect(away.stderr).toContain('STORE_UNAVAILABLE');
    const bad = cli(['admin', 'list', '--database', 'mysql://u:hunter2@127.0.0.1/x']);
    expect(bad.stderr).toContain('postgres://');
  });

  it('requires TLS once a CA is given, refusing a server that offers none', () => {
    const r = cli(['admin', 'list', '--database', url, '--database-ca', 'ca.pem']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('STORE_UNAVAILABLE');
    const contradiction = cli([
      'admin',
      'list',
      '--database',
      `${url}&sslmode=disable`,
      '--database-ca',
      'ca.pem',
    ]);
    expect(contradiction.stderr).toContain('sslmode=disable');
  });
});
