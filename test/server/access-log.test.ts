/**
 * The access log through the real binary: `portcullis serve` writes it asynchronously (issue 17
 * goal e), so these tests count its lines against the requests a client saw answered — under a
 * burst, and with SIGTERM arriving in the middle of one. Every answered request has exactly one
 * line; the stop loses none.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../helpers/dist.js';
import { makeKey, removeDir, sign, tempDir } from './serve-helpers.js';

let dir: string;
let token: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ensureBuilt();
  dir = await tempDir('portcullis-access-log-');
  const key = makeKey();
  await mkdir(join(dir, 'content'));
  await writeFile(join(dir, 'content', 'small.bin'), Buffer.alloc(1024, 7));
  await writeFile(join(dir, 'pub.pem'), key.publicPem);
  token = sign(key, { expiresIn: '1h' });
}, 240_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await removeDir(dir);
});

interface Served {
  child: ChildProcess;
  url: string;
  /** The admin listener's URL, read from its ready line (when started with one). */
  adminUrl: () => string | undefined;
  stdout: () => string;
  exit: Promise<number | null>;
}

/** `portcullis serve` with its default logging (info, to stdout through a pipe). */
function serve(admin = false): Promise<Served> {
  const args = ['serve', '--root', 'content', '--key', 'pub.pem', '--workers', '1'];
  args.push(...(admin ? ['--admin-port', '0'] : ['--no-admin']));
  const child = spawn(process.execPath, [CLI, ...args, '--port', '0'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
      const ready = /"msg":"content listener ready"/.test(out)
        ? /"url":"(http:[^"]+)"/.exec(out)?.[1]
        : undefined;
      const adminUrl = () =>
        /"url":"(http:[^"]+)"[^\n]*"msg":"admin listener ready"/.exec(out)?.[1];
      if (ready) resolve({ child, url: ready, adminUrl, stdout: () => out, exit });
    });
    exit.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

/** GETs `n` numbered downloads over `sockets` keep-alive connections; resolves the numbers answered 200. */
function burst(
  url: string,
  n: number,
  sockets: number,
  onAnswer: (answered: number) => void = () => {},
): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  const answered: number[] = [];
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const req = request(`${url}/small.bin?token=${token}&n=${i}`, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200 && res.complete) {
            answered.push(i);
            onAnswer(answered.length);
          }
          resolve();
        });
        res.on('error', () => resolve());
      });
      req.on('error', () => resolve()); // refused or cut by the stop: never answered
      req.end();
    });
  return Promise.all(Array.from({ length: n }, (_, i) => one(i))).then(() => {
    agent.destroy();
    return answered;
  });
}

/** The `n` of every access-log line, in the order written. */
function loggedNumbers(stdout: string): number[] {
  return stdout
    .split('\n')
    .filter((l) => l.includes('"msg":"request"'))
    .map((l) => {
      const line = JSON.parse(l) as { url: string };
      // The token never reaches the log; the request number does.
      expect(line.url).not.toContain(token);
      return Number(/[?&]n=(\d+)/.exec(line.url)?.[1]);
    });
}

describe('access log line count (CLI defaults)', () => {
  it('writes one line per request of a burst, none lost, none doubled', async () => {
    const s = await serve();
    const answered = await burst(s.url, 3000, 64);
    expect(answered).toHaveLength(3000);
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    const logged = loggedNumbers(s.stdout());
    expect(logged).toHaveLength(3000);
    expect(new Set(logged).size).toBe(3000);
  }, 60_000);

  it('SIGTERM in the middle of a burst: every answered request is in the log, once', async () => {
    const s = await serve();
    let signalled = false;
    const answered = await burst(s.url, 6000, 64, (count) => {
      if (count === 1500 && !signalled) {
        signalled = true;
        s.child.kill('SIGTERM');
      }
    });
    expect(await s.exit).toBe(0);
    expect(signalled).toBe(true);
    const logged = loggedNumbers(s.stdout());
    expect(new Set(logged).size).toBe(logged.length);
    const missing = answered.filter((i) => !logged.includes(i));
    expect(missing).toEqual([]);
    // Lines beyond the answers are requests the stop cut mid-response (logged CLIENT_ABORTED or
    // answered while the client was going away), never more than the connections in flight.
    expect(logged.length - answered.length).toBeLessThanOrEqual(64);
  }, 60_000);

  it('reports lines dropped at the bound on /metrics (0 while stdout keeps up)', async () => {
    const s = await serve(true);
    await burst(s.url, 200, 16);
    let admin = s.adminUrl();
    for (let i = 0; i < 50 && admin === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      admin = s.adminUrl();
    }
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    expect(metrics).toMatch(/^portcullis_access_log_dropped_total 0$/m);
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(loggedNumbers(s.stdout())).toHaveLength(200);
  }, 60_000);
});
