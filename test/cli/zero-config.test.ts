/**
 * Issue 10 §7 and §9 through the real binary: the zero-config key is created once, only in the
 * store (no plaintext key file), and a "Default" that was rotated and deleted never comes back
 * on restart; with stderr not a terminal, the one-time admin password and the sample signed URL
 * go to 0600 files in the data directory, and stderr says only where they are.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../helpers/dist.js';
import { eventually } from '../helpers/wait.js';

interface Running {
  child: ChildProcess;
  url: string;
  adminUrl: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

const children: ChildProcess[] = [];
let cwd: string;
let data: string;

/** `portcullis serve --data <data>` on free ports; resolves once both listeners are ready. */
function serve(): Promise<Running> {
  const env = { ...process.env };
  delete env.PORTCULLIS_SECRET;
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--data', data, '--port', '0', '--admin-port', '0', '--workers', '1'],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (c) => {
    err += c;
  });
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c) => {
      out += c;
      const ready: Record<string, string> = {};
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        const l = JSON.parse(line) as { msg: string; url: string };
        ready[l.msg] = l.url;
      }
      const url = ready['content listener ready'];
      const adminUrl = ready['admin listener ready'];
      if (url && adminUrl) resolve({ child, url, adminUrl, stderr: () => err, exit });
    });
    exit.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

async function stop(s: Running): Promise<void> {
  s.child.kill('SIGTERM');
  expect(await s.exit).toBe(0);
}

beforeAll(() => {
  ensureBuilt();
  cwd = mkdtempSync(join(tmpdir(), 'portcullis-zero-cli-'));
  data = join(cwd, 'data');
}, 240_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(cwd, { recursive: true, force: true });
});

describe('serve --data: zero-config key and one-time secrets', () => {
  it('keeps secrets off a non-terminal stderr, and a deleted "Default" never comes back', async () => {
    const first = await serve();
    const passwordFile = join(data, 'first-admin-password.txt');
    const sampleFile = join(data, 'sample-signed-url.txt');
    await eventually(async () => first.stderr().includes('sample-signed-url.txt'), 8000);
    for (const file of [passwordFile, sampleFile]) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(first.stderr()).toContain(file);
    }
    const password = /password: (\S+)/.exec(readFileSync(passwordFile, 'utf8'))![1]!;
    const sampleUrl = /curl -i '([^']+token=[^']+)'/.exec(readFileSync(sampleFile, 'utf8'))![1]!;
    expect(first.stderr()).not.toContain(password);
    expect(first.stderr()).not.toContain('token=');
    // No key file at all: the private key is in the store, encrypted; the public key is offered
    // only live (a file would go stale on rotation), and the sample file names where.
    expect(existsSync(join(data, 'keys', 'portcullis-key.pem'))).toBe(false);
    expect(existsSync(join(data, 'keys', 'portcullis-key.pub.pem'))).toBe(false);
    expect(readFileSync(sampleFile, 'utf8')).toContain(`${first.url}/.well-known/jwks.json`);
    expect(readFileSync(sampleFile, 'utf8')).not.toContain('.pem');
    const liveKeys = async (url: string) =>
      (
        (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as {
          keys: Array<{ n: string }>;
        }
      ).keys;
    const [original] = await liveKeys(first.url);
    expect(original).toBeDefined();
    expect((await fetch(sampleUrl)).status).toBe(200);

    const login = await fetch(`${first.adminUrl}/api/v1/auth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` },
    });
    let token = ((await login.json()) as { token: string }).token;
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${first.adminUrl}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const changed = await api('POST', '/auth/change-password', {
      currentPassword: password,
      newPassword: 'zero config passphrase 2026',
    });
    // The change ends the old session and answers with a fresh one (session epochs).
    expect(changed.status).toBe(200);
    token = ((await changed.json()) as { token: string }).token;
    const list = (await (await api('GET', '/jwt-configurations')).json()) as {
      items: Array<{ id: string; displayName: string }>;
    };
    const def = list.items.find((c) => c.displayName === 'Default')!;
    expect(def).toBeDefined();
    expect((await api('POST', `/jwt-configurations/${def.id}/rotate`, {})).status).toBe(200);
    const rotated = await api('POST', `/jwt-configurations/${def.id}/signed-urls`, {
      path: 'welcome.txt',
    });
    const rotatedUrl = ((await rotated.json()) as { url: string }).url.replace(
      /^https?:\/\/[^/]+/,
      first.url,
    );
    await eventually(async () => (await fetch(sampleUrl)).status === 401, 5000);
    // What the banner points at follows the rotation.
    const [current] = await liveKeys(first.url);
    expect(current?.n).not.toBe(original?.n);
    expect((await api('DELETE', `/jwt-configurations/${def.id}`)).status).toBe(204);
    await stop(first);

    const second = await serve();
    try {
      // Not re-created, not re-imported: no configuration at all, and no key verifies.
      const relogin = await fetch(`${second.adminUrl}/api/v1/auth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('admin:zero config passphrase 2026').toString('base64')}`,
        },
      });
      token = ((await relogin.json()) as { token: string }).token;
      const after = await fetch(`${second.adminUrl}/api/v1/jwt-configurations`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(((await after.json()) as { items: unknown[] }).items).toEqual([]);
      const onSecond = (u: string) => u.replace(/^https?:\/\/[^/]+/, second.url);
      expect((await fetch(onSecond(sampleUrl))).status).toBe(401);
      expect((await fetch(onSecond(rotatedUrl))).status).toBe(401);
      expect(existsSync(join(data, 'keys', 'portcullis-key.pem'))).toBe(false);
      expect(existsSync(join(data, 'keys', 'portcullis-key.pub.pem'))).toBe(false);
      expect(await liveKeys(second.url)).toEqual([]);
      // The second start made no new admin and signs no sample URL.
      await eventually(async () => second.stderr().includes('sample-signed-url.txt'), 8000);
      expect(readFileSync(sampleFile, 'utf8')).not.toContain('token=');
      expect(second.stderr()).not.toContain('first-admin-password.txt');
    } finally {
      await stop(second);
    }
  });

  it('at a terminal (a pty from script(1)) shows both on screen and writes no file', async () => {
    const ttyData = join(cwd, 'tty-data');
    // The server stops itself after a few seconds, so the pty and its child end together.
    const command = `timeout -s TERM 8 ${process.execPath} ${CLI} serve --data ${ttyData} --port 0 --admin-port 0 --workers 1 --log-level warn`;
    const env = { ...process.env };
    delete env.PORTCULLIS_SECRET;
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    children.push(child);
    let screen = '';
    child.stdout!.on('data', (c) => {
      screen += c;
    });
    const exit = new Promise((r) => child.on('exit', r));
    await eventually(async () => screen.includes('token='), 8000);
    expect(screen).toMatch(/password: \S{24}/);
    expect(screen).toMatch(/curl -i '[^']+token=/);
    expect(existsSync(join(ttyData, 'first-admin-password.txt'))).toBe(false);
    expect(existsSync(join(ttyData, 'sample-signed-url.txt'))).toBe(false);
    await exit;
  });
});
