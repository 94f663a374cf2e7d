/**
 * `portcullis serve` through the real binary: --help agrees with docs/serve.md, zero-config start
 * prints a URL that works, SIGHUP with a broken key keeps serving, --workers runs a cluster that
 * shares resume grace and metrics, SIGTERM exits cleanly, bad settings exit 2 naming the setting.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt as ensureServeBuilt, ROOT } from '../helpers/dist.js';
import { eventually as waitFor } from '../helpers/wait.js';
import { makeKey, removeDir, sign, type TestKey, tempDir } from './serve-helpers.js';

let dir: string;
let key: TestKey;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ensureServeBuilt();
  key = makeKey();
  dir = await tempDir('portcullis-cli-serve-');
}, 240_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await removeDir(dir);
});

interface Spawned {
  child: ChildProcess;
  url: string;
  adminUrl: string | null;
  stderr: () => string;
  stdout: () => string;
  exit: Promise<number | null>;
}

/** Spawns `portcullis serve` and waits for its ready log line (port 0 → real port from the log). */
function serve(args: string[], cwd = dir, env: Record<string, string> = {}): Promise<Spawned> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', '0', '--admin-port', '0', ...args],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (c) => {
    err += c;
  });
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    let adminUrl: string | null = null;
    child.stdout!.on('data', (c) => {
      out += c;
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        const l = JSON.parse(line);
        if (l.msg === 'admin listener ready') adminUrl = l.url;
        const clustered = args.includes('--workers') && args[args.indexOf('--workers') + 1] !== '1';
        if (l.msg === (clustered ? 'cluster ready' : 'content listener ready')) {
          resolve({ child, url: l.url, adminUrl, stderr: () => err, stdout: () => out, exit });
        }
      }
    });
    exit.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // agent: false → a new connection per request, so cluster requests spread over workers.
    const req = request(url, { agent: false, headers }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A child process needs longer than in-process servers (start-up, cluster forks). */
const eventually = (check: () => Promise<boolean>) => waitFor(check, 8000);

describe('portcullis serve --help', () => {
  it('lists exactly the flags documented in docs/serve.md', () => {
    const help = execFileSync(process.execPath, [CLI, 'serve', '--help'], { encoding: 'utf8' });
    const doc = readFileSync(join(ROOT, 'docs/serve.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Flags'), doc.indexOf('## What a request'));
    const documented = [...table.matchAll(/^\| `(--[a-z0-9-]+)/gm)].map((m) => m[1]).sort();
    const offered = [...help.matchAll(/^ {2}(--[a-z0-9-]+)/gm)]
      .map((m) => m[1])
      .filter((f) => f !== '--help')
      .sort();
    expect(documented).toEqual(offered);
    expect(documented.length).toBeGreaterThan(15);
  });
});

describe('zero-configuration start', () => {
  it('creates keys and a sample, prints a signed URL that downloads and a plain URL that is refused', async () => {
    const cwd = await tempDir('portcullis-zero-');
    try {
      const s = await serve(['--workers', '1'], cwd);
      // stderr is a pipe here, not a terminal: the sample URL goes to a 0600 file instead.
      const sampleFile = join(cwd, 'portcullis-data', 'sample-signed-url.txt');
      await eventually(async () => s.stderr().includes('sample-signed-url.txt'));
      const sample = readFileSync(sampleFile, 'utf8');
      expect(statSync(sampleFile).mode & 0o777).toBe(0o600);
      const signed = /curl -i '([^']+token=[^']+)'/.exec(sample)![1]!;
      const plain = /curl -i '([^'?]+)'/.exec(sample)![1]!;
      expect(s.stderr()).not.toContain('token=');
      expect(plain.startsWith('http://127.0.0.1:')).toBe(true);
      // The public key is offered live (JWKS), never as a file that a rotation leaves stale.
      expect(sample).toContain(`${new URL(plain).origin}/.well-known/jwks.json`);
      expect(existsSync(join(cwd, 'portcullis-data', 'keys', 'portcullis-key.pub.pem'))).toBe(
        false,
      );
      const ok = await get(signed);
      expect(ok.status).toBe(200);
      expect(ok.body).toContain('Welcome to Portcullis');
      expect((await get(plain)).status).toBe(401);
      // The signing key lives encrypted in the store; no plaintext private key is left on disk.
      expect(existsSync(join(cwd, 'portcullis-data', 'keys', 'portcullis-key.pem'))).toBe(false);
      const data = join(cwd, 'portcullis-data');
      expect(existsSync(join(data, 'portcullis.db-wal'))).toBe(true);
      s.child.kill('SIGTERM');
      expect(await s.exit).toBe(0);
      // The store closed after the listeners: SQLite checkpointed and removed its write-ahead log.
      expect(existsSync(join(data, 'portcullis.db'))).toBe(true);
      expect(existsSync(join(data, 'portcullis.db-wal'))).toBe(false);
    } finally {
      await removeDir(cwd);
    }
  });
});

describe('signals and key files', () => {
  it('SIGHUP: a broken key file keeps the old keys serving; a rotated key is picked up', async () => {
    const keyFile = join(dir, 'hup.pub.pem');
    await writeFile(keyFile, key.publicPem);
    await writeFile(join(dir, 'App.ipa'), 'app');
    // File watching is slowed right down so that only SIGHUP can trigger a reload here.
    const s = await serve(['--root', dir, '--key', keyFile, '--workers', '1'], dir, {
      PORTCULLIS_KEY_WATCH_DEBOUNCE_MS: '60000',
    });
    const url = `${s.url}/App.ipa?token=${sign(key)}`;
    expect((await get(url)).status).toBe(200);
    await writeFile(keyFile, 'garbage');
    // Re-sent until seen: the ready log line comes just before the handler is attached.
    await eventually(async () => {
      s.child.kill('SIGHUP');
      return s.stdout().includes('key reload failed');
    });
    expect((await get(url)).status).toBe(200);
    const rotated = makeKey();
    await writeFile(keyFile, rotated.publicPem);
    s.child.kill('SIGHUP');
    await eventually(
      async () => (await get(`${s.url}/App.ipa?token=${sign(rotated)}`)).status === 200,
    );
    expect((await get(url)).status).toBe(401);
    expect(s.stdout()).not.toContain(key.publicPem.split('\n')[1]!);
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
  });

  it('exits 2 naming the setting when a setting is invalid', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [CLI, 'serve', '--root', dir, '--key', 'x.pem'], {
        env: { ...process.env, PORTCULLIS_PORT: 'eighty' },
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (err) {
      status = (err as { status: number }).status;
      stderr = (err as { stderr: string }).stderr;
    }
    expect(status).toBe(2);
    expect(stderr).toContain(
      'invalid setting "port" (from PORTCULLIS_PORT): expected an integer 0-65535',
    );
  });

  it('exits 2 with the key error code when a key file is broken at start', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(
        process.execPath,
        [
          CLI,
          'serve',
          '--root',
          dir,
          '--key',
          join(dir, 'missing.pem'),
          '--port',
          '0',
          '--no-admin',
          '--workers',
          '1',
        ],
        { encoding: 'utf8', stdio: 'pipe' },
      );
    } catch (err) {
      status = (err as { status: number }).status;
      stderr = (err as { stderr: string }).stderr;
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(/\(KEY_[A-Z_]+\)/);
  });

  it('exits 2 naming pinningCerts when --pinning-certs holds no certificate, before anything starts', async () => {
    const notChain = join(dir, 'not-a-chain.pem');
    const keyFile = join(dir, 'pin-test-key.pem');
    await writeFile(keyFile, key.publicPem);
    // A private key where a chain belongs: no CERTIFICATE block, so no command could pin it.
    await writeFile(notChain, key.privatePem);
    let status = 0;
    let stderr = '';
    try {
      execFileSync(
        process.execPath,
        [CLI, 'serve', '--root', dir, '--key', keyFile, '--port', '0', '--no-admin'].concat([
          '--pinning-certs',
          notChain,
        ]),
        { encoding: 'utf8', stdio: 'pipe' },
      );
    } catch (err) {
      status = (err as { status: number }).status;
      stderr = (err as { stderr: string }).stderr;
    }
    expect(status).toBe(2);
    expect(stderr).toContain('invalid setting "pinningCerts"');
    expect(stderr).not.toContain(notChain);
  });
});

describe('cluster mode', () => {
  it('serves from 2 workers, shares resume grace through the primary, aggregates metrics, replaces a crashed worker', async () => {
    const keyFile = join(dir, 'cluster.pub.pem');
    await writeFile(keyFile, key.publicPem);
    await writeFile(join(dir, 'Big.pkg'), Buffer.alloc(200_000, 7));
    const s = await serve([
      '--root',
      dir,
      '--key',
      keyFile,
      '--workers',
      '2',
      '--resume-grace',
      '10m',
      '--leeway',
      '0',
    ]);
    try {
      const now = Math.floor(Date.now() / 1000);
      const token = sign(key, { now, expiresIn: 2 });
      const url = `${s.url}/Big.pkg?token=${token}`;
      // Seen before exp on several connections (round-robin spreads them over both workers).
      for (let i = 0; i < 4; i++)
        expect((await get(url, { range: 'bytes=0-99' })).status).toBe(206);
      await eventually(async () => Math.floor(Date.now() / 1000) > now + 2);
      // After exp: every worker must find the grace entry (only the primary holds it for all).
      for (let i = 0; i < 6; i++)
        expect((await get(url, { range: 'bytes=100-' })).status).toBe(206);
      expect((await get(url)).status).toBe(401);
      const pids = new Set<string>();
      for (const line of s.stdout().split('\n'))
        if (line.includes('"msg":"request"')) pids.add(JSON.parse(line).pid);
      expect(pids.size).toBe(2);
      const metrics = await get(`${s.adminUrl}/metrics`);
      const okCount = /portcullis_requests_total\{outcome="OK",via="file"\} (\d+)/.exec(
        metrics.body,
      );
      expect(Number(okCount?.[1])).toBe(10);
      // A crashed worker is replaced and the service keeps answering.
      process.kill(Number([...pids][0]), 'SIGKILL');
      await eventually(async () => s.stdout().includes('worker died; starting a new one'));
      await eventually(async () => s.stdout().split('content listener ready').length - 1 >= 3);
      for (let i = 0; i < 4; i++)
        expect((await get(`${s.url}/Big.pkg?token=${sign(key)}`)).status).toBe(200);
    } finally {
      s.child.kill('SIGTERM');
      expect(await s.exit).toBe(0);
    }
  }, 60_000);
});
