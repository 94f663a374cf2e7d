/**
 * A start that cannot complete fails loudly and completely, through the real binary and in
 * every mode: the default worker count (a cluster), --workers 1, and the zero-configuration
 * start with its admin store. One line names the port or path and the flag that changes it,
 * the exit is non-zero within seconds, and nothing that did start is left listening.
 * readyz stays 503 until every listener is up (held start, no timing: see fixtures/gated-serve.mjs).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../helpers/dist.js';
import { eventually } from '../helpers/wait.js';
import { makeKey, removeDir, tempDir } from './serve-helpers.js';

let dir: string;
let keyFile: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ensureBuilt();
  dir = await tempDir('portcullis-start-fail-');
  keyFile = join(dir, 'jamf.pub.pem');
  await writeFile(keyFile, makeKey().publicPem);
}, 240_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await removeDir(dir);
});

/** Occupies a loopback port the way another program would. */
async function occupy(port = 0): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : port };
}

const release = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const { server, port } = await occupy();
  await release(server);
  return port;
}

interface Ended {
  code: number | null;
  ms: number;
  stderr: string;
  stdout: string;
}

/** Runs `portcullis serve …` to its end (killed after 30 s so a hang fails the test, not the run). */
function serveUntilExit(args: string[], cwd = dir): Promise<Ended> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (c) => {
    stderr += c;
  });
  child.stdout!.on('data', (c) => {
    stdout += c;
  });
  const hang = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(hang);
      resolve({ code, ms: Date.now() - started, stderr, stdout });
    }),
  );
}

/** The lines the CLI printed as its own (`portcullis: …`), as opposed to banners and logs. */
const cliLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('portcullis:'));

describe('start-up failures end the process with one clear line', () => {
  it.each([
    ['the default worker count (cluster)', []],
    ['--workers 1', ['--workers', '1']],
  ])(
    'content port in use, %s: exit 2 in < 10 s naming the port and --port once',
    async (_mode, extra) => {
      const busy = await occupy();
      try {
        const end = await serveUntilExit([
          '--root',
          dir,
          '--key',
          keyFile,
          '--port',
          String(busy.port),
          '--admin-port',
          '0',
          ...extra,
        ]);
        expect(end.code).toBe(2);
        expect(end.ms).toBeLessThan(10_000);
        expect(cliLines(end.stderr)).toEqual([
          `portcullis: the content port 127.0.0.1:${busy.port} is already in use; stop the program using it or use --port to choose another (PORT_IN_USE)`,
        ]);
        expect(end.stderr.split('--port').length - 1).toBe(1);
        expect(end.stderr).not.toContain('EADDRINUSE');
      } finally {
        await release(busy.server);
      }
    },
    40_000,
  );

  it('an address not on this machine: exit 2 naming it and --host (LISTEN_FAILED)', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a local interface.
    const end = await serveUntilExit([
      '--root',
      dir,
      '--key',
      keyFile,
      '--host',
      '192.0.2.1',
      '--port',
      '8080',
      '--no-admin',
    ]);
    expect(end.code).toBe(2);
    expect(cliLines(end.stderr)).toEqual([
      'portcullis: the content listener cannot start on 192.0.2.1:8080: the address is not on this machine; use --host to choose another (LISTEN_FAILED)',
    ]);
  }, 40_000);

  it('missing --root in cluster mode: exit 2 naming the path as typed', async () => {
    const end = await serveUntilExit([
      '--root',
      join('no', 'such-root'),
      '--key',
      keyFile,
      '--port',
      '0',
      '--admin-port',
      '0',
      '--workers',
      '2',
    ]);
    expect(end.code).toBe(2);
    expect(end.ms).toBeLessThan(10_000);
    expect(cliLines(end.stderr)).toEqual([
      `portcullis: the content root "${join('no', 'such-root')}" does not exist; create it or point --root at a directory the server user can read (without --root, the content folder of --data is served) (ROOT_UNAVAILABLE)`,
    ]);
  }, 40_000);

  it('--data with no content directory yet: exit 2 naming <data>/content, before the store is opened', async () => {
    const cwd = await tempDir('portcullis-start-fail-data-');
    try {
      const end = await serveUntilExit(
        ['--data', 'pdata', '--key', keyFile, '--port', '0', '--admin-port', '0'],
        cwd,
      );
      expect(end.code).toBe(2);
      expect(cliLines(end.stderr)).toEqual([
        `portcullis: the content root "${join('pdata', 'content')}" does not exist; create it or point --root at a directory the server user can read (without --root, the content folder of --data is served) (ROOT_UNAVAILABLE)`,
      ]);
      // The first start's one-time admin password is not spent on a server that never ran.
      expect(end.stderr).not.toContain('password:');
    } finally {
      await removeDir(cwd);
    }
  }, 40_000);

  it('a failure only the workers meet (TLS files) ends the whole cluster, reported once by the primary', async () => {
    // The primary checks keys, root and ports itself; the TLS pair is read by each worker, so
    // this is the path where N workers fail alike and the primary must speak for them once.
    const end = await serveUntilExit([
      '--root',
      dir,
      '--key',
      keyFile,
      '--tls-cert',
      'missing-cert.pem',
      '--tls-key',
      'missing-key.pem',
      '--port',
      '0',
      '--admin-port',
      '0',
      '--workers',
      '2',
    ]);
    expect(end.code).toBe(2);
    // Both workers must start (load the server) before they can fail: ~5 s on a quiet 2-core
    // machine, twice that under load. The point is an exit, reported once, never a hang.
    expect(end.ms).toBeLessThan(20_000);
    expect(cliLines(end.stderr)).toEqual([
      'portcullis: invalid setting "tlsCert": cannot read the certificate or key file: no such file (CONFIG_INVALID)',
    ]);
    expect(end.stdout).not.toContain('cluster ready');
  }, 40_000);

  it('admin port in use, zero-configuration start: exit 2 naming --admin-port; the content port is free again', async () => {
    const cwd = await tempDir('portcullis-start-fail-zero-');
    const busy = await occupy();
    const contentPort = await freePort();
    try {
      const end = await serveUntilExit(
        ['--port', String(contentPort), '--admin-port', String(busy.port)],
        cwd,
      );
      expect(end.code).toBe(2);
      expect(end.ms).toBeLessThan(10_000);
      expect(cliLines(end.stderr)).toEqual([
        `portcullis: the admin port 127.0.0.1:${busy.port} is already in use; stop the program using it or use --admin-port to choose another (or --no-admin) (PORT_IN_USE)`,
      ]);
      // Checked before anything started: the content port is free, and the one-time admin
      // password of this first start was not printed for a server that never ran.
      const again = await occupy(contentPort);
      await release(again.server);
      expect(end.stderr).not.toContain('password:');
      // No banner promising a working server.
      expect(end.stderr).not.toContain('Portcullis is serving');
    } finally {
      await release(busy.server);
      await removeDir(cwd);
    }
  }, 40_000);
});

function readyz(url: string): Promise<{ status: number; code?: string }> {
  return new Promise((resolve, reject) => {
    // agent: false → a new connection each time, so the cluster spreads them over workers.
    const req = request(`${url}/_portcullis/readyz`, { agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, code: JSON.parse(body).code as string | undefined }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** The fixture holding the admin start (fixtures/gated-serve.mjs), with its log lines. */
function gatedServe(root: string, workers: number, adminPort: number) {
  const child = spawn(
    process.execPath,
    [
      join(import.meta.dirname, 'fixtures/gated-serve.mjs'),
      root,
      keyFile,
      String(workers),
      String(adminPort),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => {
    out += c;
  });
  child.stderr!.on('data', (c) => {
    err += c;
  });
  const exit = new Promise<number | null>((r) => child.on('exit', r));
  const logged = (msg: string) =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; url?: string })
      .filter((l) => l.msg === msg);
  /** Waits until every worker listens and the admin start is held; returns the content URL. */
  const held = async () => {
    await eventually(
      () =>
        logged('content listener ready').length === workers &&
        logged('admin start held').length === 1,
      20_000,
      'content listening, admin held',
    );
    return logged('content listener ready')[0]!.url!;
  };
  return { child, exit, logged, held, stderr: () => err };
}

describe('readyz waits for every listener', () => {
  it.each([
    ['one process', 1],
    ['a cluster of 2', 2],
  ])(
    '%s: 503 while the admin listener is held, 200 once it listens',
    async (_mode, workers) => {
      const root = join(dir, `ready-${workers}`);
      await mkdir(root, { recursive: true });
      const g = gatedServe(root, workers, 0);
      try {
        // Nothing can make the start progress now: the state is fixed, not a race.
        const url = await g.held();
        for (let i = 0; i < 2 * workers; i++) {
          expect(await readyz(url)).toEqual({ status: 503, code: 'NOT_READY' });
        }
        g.child.stdin!.write('go\n');
        await eventually(
          () => g.logged(workers > 1 ? 'cluster ready' : 'admin listener ready').length === 1,
          20_000,
          'admin listening',
        );
        for (let i = 0; i < 2 * workers; i++) expect((await readyz(url)).status).toBe(200);
      } finally {
        g.child.kill('SIGTERM');
        expect(await g.exit).toBe(0);
      }
    },
    60_000,
  );
});

describe('a listener that fails after another started', () => {
  it.each([
    ['one process', 1],
    ['a cluster of 2', 2],
  ])(
    '%s: admin port taken while held → PORT_IN_USE naming --admin-port, content port released',
    async (_mode, workers) => {
      const root = join(dir, `late-${workers}`);
      await mkdir(root, { recursive: true });
      const adminPort = await freePort();
      const g = gatedServe(root, workers, adminPort);
      const url = await g.held();
      // Another program takes the admin port after every check passed and content is serving.
      const thief = await occupy(adminPort);
      try {
        g.child.stdin!.write('go\n');
        expect(await g.exit).toBe(2);
        expect(g.stderr()).toBe(
          `the admin port 127.0.0.1:${adminPort} is already in use; stop the program using it or use --admin-port to choose another (or --no-admin) (PORT_IN_USE)\n`,
        );
        const contentPort = Number(new URL(url).port);
        const again = await occupy(contentPort);
        await release(again.server);
        expect(g.logged('cluster ready')).toHaveLength(0);
      } finally {
        await release(thief.server);
      }
    },
    60_000,
  );
});
