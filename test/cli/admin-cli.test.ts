/** `portcullis admin …` through the built binary against a real data directory. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/store/passwords.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { ensureBuilt as ensureStoreBuilt, ROOT } from '../helpers/dist.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-admin-cli-'));
const data = join(dir, 'data dir ü');
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'another long passphrase';

beforeAll(() => {
  ensureStoreBuilt();
  writeFileSync(join(dir, 'pw.txt'), `${PASSWORD}\nsecond line ignored\n`);
  writeFileSync(join(dir, 'new.txt'), `${NEW_PASSWORD}\r\n`);
  writeFileSync(join(dir, 'short.txt'), 'short\n');
  writeFileSync(join(dir, 'empty.txt'), '\n');
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function admin(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'admin', ...args], {
    cwd: dir,
    input,
    encoding: 'utf8',
  });
  // The password must never be echoed, whatever happened.
  for (const out of [r.stdout, r.stderr]) {
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain(NEW_PASSWORD);
    expect(out).not.toContain('scrypt$');
  }
  return r;
}

const withData = (...args: string[]) => [...args, '--data', data];

async function account(username: string) {
  const store = openSqliteStore({ dataDir: data });
  try {
    return await store.accounts.getByUsername(username);
  } finally {
    await store.close();
  }
}

describe('portcullis admin', () => {
  it('refuses to list or delete when the data directory holds no store', () => {
    const r = admin(['list', '--data', join(dir, 'missing')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no Portcullis store');
  });

  it('creates an account from the first line of a password file, in a 0600 database', async () => {
    const r = admin(withData('create', '--username', 'alice', '--password-file', 'pw.txt'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Created admin account alice');
    const a = await account('alice');
    expect(a).toMatchObject({ role: 'admin', mustChangePassword: false, disabled: false });
    expect(await verifyPassword(PASSWORD, a!.passwordHash)).toBe(true);
    expect(statSync(join(data, 'portcullis.db')).mode & 0o777).toBe(0o600);
    expect(statSync(data).mode & 0o777).toBe(0o700);
  });

  it('refuses a duplicate username (case-insensitively)', () => {
    const r = admin(withData('create', '--username', 'ALICE', '--password-file', 'pw.txt'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('already exists');
  });

  it('refuses short, empty or unreadable passwords and bad usernames or roles', async () => {
    const short = admin(withData('create', '--username', 'bob', '--password-file', 'short.txt'));
    expect(short.status).toBe(2);
    expect(short.stderr).toContain('at least 12 characters');
    const empty = admin(withData('create', '--username', 'bob', '--password-file', 'empty.txt'));
    expect(empty.status).toBe(2);
    const missing = admin(withData('create', '--username', 'bob', '--password-file', 'nope.txt'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('cannot read --password-file');
    const name = admin(withData('create', '--username', '../x', '--password-file', 'pw.txt'));
    expect(name.status).toBe(2);
    const role = admin(
      withData('create', '--username', 'bob', '--password-file', 'pw.txt', '--role', 'root'),
    );
    expect(role.status).toBe(2);
    expect(await account('bob')).toBeUndefined();
  });

  it('reads the password from stdin with --password-file -, and sets the role', async () => {
    const r = admin(
      withData('create', '--username', 'viewer', '--password-file', '-', '--role', 'read-only'),
      `${PASSWORD}\n`,
    );
    expect(r.status).toBe(0);
    expect(await account('viewer')).toMatchObject({ role: 'read-only' });
  });

  it('lists accounts as a table and as JSON without password hashes', () => {
    const table = admin(withData('list'));
    expect(table.status).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^USERNAME\s+ROLE\s+STATUS/);
    expect(table.stdout).toMatch(/alice\s+admin\s+enabled/);
    expect(table.stdout).toMatch(/viewer\s+read-only\s+enabled/);
    const json = admin(withData('list', '--json'));
    const parsed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(parsed.map((a) => a.username)).toEqual(['alice', 'viewer']);
    expect(parsed[0]).not.toHaveProperty('passwordHash');
  });

  it('resets a password (CRLF file) and can require a change at next login', async () => {
    const r = admin(
      withData(
        'reset-password',
        '--username',
        'Alice',
        '--password-file',
        'new.txt',
        '--must-change',
      ),
    );
    expect(r.status).toBe(0);
    const a = await account('alice');
    expect(await verifyPassword(NEW_PASSWORD, a!.passwordHash)).toBe(true);
    expect(await verifyPassword(PASSWORD, a!.passwordHash)).toBe(false);
    expect(a!.mustChangePassword).toBe(true);
    const unknown = admin(
      withData('reset-password', '--username', 'zed', '--password-file', 'new.txt'),
    );
    expect(unknown.status).toBe(2);
  });

  it('backs up the database to a 0600 file, refusing to overwrite without --force', async () => {
    const r = admin(withData('backup', '--out', 'backup.db'));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('does not contain the secret');
    expect(statSync(join(dir, 'backup.db')).mode & 0o777).toBe(0o600);
    const copy = openSqliteStore({ file: join(dir, 'backup.db') });
    expect((await copy.accounts.list()).map((a) => a.username)).toEqual(['alice', 'viewer']);
    await copy.close();
    expect(admin(withData('backup', '--out', 'backup.db')).status).toBe(2);
    expect(admin(withData('backup', '--out', 'backup.db', '--force')).status).toBe(0);
  });

  it('refuses to delete the last enabled admin unless forced; records changes', async () => {
    expect(admin(withData('delete', '--username', 'viewer')).status).toBe(0);
    const refused = admin(withData('delete', '--username', 'alice'));
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('last enabled admin');
    expect(await account('alice')).toBeDefined();
    expect(admin(withData('delete', '--username', 'alice', '--force')).status).toBe(0);
    expect(await account('alice')).toBeUndefined();
    expect(admin(withData('delete', '--username', 'alice')).status).toBe(2);

    const store = openSqliteStore({ dataDir: data });
    const actions = (await store.changes.query({ actor: 'cli' })).items.map((c) => c.action);
    await store.close();
    expect(actions).toEqual([
      'account.delete',
      'account.delete',
      'account.reset-password',
      'account.create',
      'account.create',
    ]);
  });
});
