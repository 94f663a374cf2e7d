/**
 * Issue 12, "The start banner says the right thing", through the real binary: the one-time
 * password comes with the admin console URL, the zero-configuration start tells the admin to
 * give Jamf Pro the PRIVATE key (as `keygen`'s "Next steps" does), and a start where the demo
 * key "Default" is still enabled beside another configuration says so in the start log, with
 * how to disable it — and stops saying so once it is disabled.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../helpers/dist.js';
import { eventually } from '../helpers/wait.js';

interface LogLine {
  level: number;
  msg: string;
  url?: string;
  configurationId?: string;
}

interface Running {
  child: ChildProcess;
  url: string;
  adminUrl: string;
  stderr: () => string;
  log: () => LogLine[];
  exit: Promise<number | null>;
}

const children: ChildProcess[] = [];
let cwd: string;

/** `portcullis serve` with `args` on free ports; resolves once both listeners are ready. */
function serve(args: string[]): Promise<Running> {
  const env = { ...process.env };
  delete env.PORTCULLIS_SECRET;
  delete env.PORTCULLIS_DATA;
  const child = spawn(
    process.execPath,
    [CLI, 'serve', ...args, '--port', '0', '--admin-port', '0', '--workers', '1'],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (c) => {
    err += c;
  });
  const log = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c) => {
      out += c;
      const url = log().find((l) => l.msg === 'content listener ready')?.url;
      const adminUrl = log().find((l) => l.msg === 'admin listener ready')?.url;
      if (url && adminUrl) resolve({ child, url, adminUrl, stderr: () => err, log, exit });
    });
    exit.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

async function stop(s: Running): Promise<void> {
  s.child.kill('SIGTERM');
  expect(await s.exit).toBe(0);
}

/** The start-log warning about "Default", if this start logged one. */
const defaultWarning = (s: Running) =>
  s.log().find((l) => l.level === 40 && l.msg.includes('"Default"'));

beforeAll(() => {
  ensureBuilt();
  cwd = mkdtempSync(join(tmpdir(), 'portcullis-banner-'));
}, 240_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(cwd, { recursive: true, force: true });
});

describe('serve: the start banner', () => {
  it('names the console with the password, asks Jamf Pro for the private key, warns about "Default"', async () => {
    const data = join(cwd, 'data');
    const first = await serve(['--data', data]);
    let token: string;
    let defaultId: string;
    try {
      await eventually(async () => first.stderr().includes('Connect Jamf Pro'), 8000);
      // Where the one-time password is, the console URL is too.
      const banner = readFileSync(join(data, 'first-admin-password.txt'), 'utf8');
      expect(banner).toContain(`console : ${first.adminUrl}/admin`);
      expect(banner).toMatch(/password: \S{24}/);
      expect(readFileSync(join(data, 'sample-signed-url.txt'), 'utf8')).toContain(
        `admin console     : ${first.adminUrl}/admin`,
      );
      // Jamf Pro signs, so it gets the private key; never "give Jamf the public key".
      const stderr = first.stderr();
      expect(stderr).toContain('it needs the PRIVATE key');
      expect(stderr).toContain('portcullis keygen --out jamf-key.pem');
      expect(stderr).toContain('paste the contents of jamf-key.pem as the private key');
      expect(stderr).toContain(`In the console (${first.adminUrl}/admin)`);
      expect(stderr).not.toMatch(/public key[^\n]*Jamf Pro(?! takes the private)/i);
      // Only "Default" exists: nothing to warn about yet (the check runs before the banner).
      expect(defaultWarning(first)).toBeUndefined();

      const password = /password: (\S+)/.exec(banner)![1]!;
      const login = await fetch(`${first.adminUrl}/api/v1/auth/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` },
      });
      token = ((await login.json()) as { token: string }).token;
      const changed = await fetch(`${first.adminUrl}/api/v1/auth/change-password`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          currentPassword: password,
          newPassword: 'banner test passphrase 1',
        }),
      });
      token = ((await changed.json()) as { token: string }).token;
      const list = await fetch(`${first.adminUrl}/api/v1/jwt-configurations`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const items = ((await list.json()) as { items: Array<{ id: string; displayName: string }> })
        .items;
      defaultId = items.find((c) => c.displayName === 'Default')!.id;
      // The admin adds their own Jamf key, and forgets "Default".
      const created = await fetch(`${first.adminUrl}/api/v1/jwt-configurations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ displayName: 'Jamf Pro' }),
      });
      expect(created.status).toBe(201);
    } finally {
      await stop(first);
    }

    // Restarted as a store-backed server with its own content directory.
    const second = await serve(['--data', data, '--root', join(data, 'content')]);
    try {
      // Logged once the listeners are up, just after their "ready" lines.
      await eventually(async () => defaultWarning(second) !== undefined, 8000);
      const warning = defaultWarning(second);
      expect(warning?.configurationId).toBe(defaultId);
      expect(warning?.msg).toContain('still enabled beside 1 other configuration:');
      expect(warning?.msg).toContain(`${second.adminUrl}/admin/configurations/${defaultId}`);
      expect(warning?.msg).toContain(
        `PATCH /api/v1/jwt-configurations/${defaultId} with {"enabled":false}`,
      );
      // No new first admin: no password file pointer on this start.
      expect(second.stderr()).not.toContain('first-admin-password.txt');
      // Following the advice silences it.
      const relogin = await fetch(`${second.adminUrl}/api/v1/auth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('admin:banner test passphrase 1').toString('base64')}`,
        },
      });
      token = ((await relogin.json()) as { token: string }).token;
      const disabled = await fetch(`${second.adminUrl}/api/v1/jwt-configurations/${defaultId}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ enabled: false }),
      });
      expect(disabled.status).toBe(200);
    } finally {
      await stop(second);
    }

    const third = await serve(['--data', data]);
    try {
      await eventually(async () => third.stderr().includes('Connect Jamf Pro'), 8000);
      expect(defaultWarning(third)).toBeUndefined();
    } finally {
      await stop(third);
    }
  }, 120_000);

  it('a start that fails after creating the first admin still shows its password once', () => {
    const data = join(cwd, 'failed-start');
    const env = { ...process.env };
    delete env.PORTCULLIS_SECRET;
    // The TLS files are read when the content listener starts: after the store was opened.
    const r = spawnSync(
      process.execPath,
      [CLI, 'serve', '--data', data, '--port', '0', '--admin-port', '0', '--workers', '1'].concat([
        '--tls-cert',
        'nope.pem',
        '--tls-key',
        'nope.pem',
      ]),
      { cwd, encoding: 'utf8', env, timeout: 30_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('(CONFIG_INVALID)');
    const banner = readFileSync(join(data, 'first-admin-password.txt'), 'utf8');
    expect(banner).toMatch(/password: \S{24}/);
    expect(banner).toContain('console : not running (the admin listener did not start)');
    expect(r.stderr).not.toContain('Connect Jamf Pro');
  }, 60_000);
});
