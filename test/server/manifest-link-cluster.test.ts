/**
 * Manifest links on `portcullis serve --data --workers 2` (the real binary, a real cluster): a link
 * made by `portcullis content link` in another process opens the manifest on every worker, and
 * after `portcullis content revoke-link` (a third process) the very next fetches are refused on
 * every worker — no cache anywhere, no restart, no wait.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSecret } from '../../src/store/secret.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { makeFixtures } from '../catalog/fixtures.js';
import { CLI, ensureBuilt } from '../helpers/dist.js';
import { signingConfigInput } from '../store/contract.js';

let dir = '';
let data = '';
let child: ChildProcess | null = null;
const env = { ...process.env };
delete env.PORTCULLIS_SECRET;
delete env.PORTCULLIS_DATABASE_URL;

function cli(...args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env });
}

/** One GET on a fresh connection (so a cluster spreads them over its workers). */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
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

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'portcullis-link-cluster-'));
  data = join(dir, 'data');
  const files = makeFixtures({ basic: true });
  try {
    cli('content', 'add', files.path('component.pkg'), '--data', data, '--path', 'mac/Agent.pkg');
  } finally {
    files.cleanup();
  }
  const secret = await loadOrCreateSecret(data, {});
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const id = randomUUID();
  const store = openSqliteStore({ dataDir: data });
  await store.configurations.create(
    signingConfigInput(secret, { privateKey, publicKey }, { id, displayName: 'Cluster' }),
  );
  await store.close();
}, 120_000);

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function startCluster(): Promise<string> {
  const c = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--data',
      data,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--admin-port',
      '0',
      '--workers',
      '2',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  child = c;
  let out = '';
  let err = '';
  c.stderr!.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    c.stdout!.on('data', (d) => {
      out += d;
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        const l = JSON.parse(line) as { msg?: string; url?: string };
        if (l.msg === 'cluster ready' && l.url) resolve(l.url);
      }
    });
    c.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

describe('manifest links on a cluster', () => {
  it('open on every worker, and are refused by every worker right after a revoke', async () => {
    const base = await startCluster();
    const store = openSqliteStore({ dataDir: data });
    const configId = (await store.configurations.list())[0]!.id;
    await store.close();
    const made = JSON.parse(
      cli(
        'content',
        'link',
        'mac/Agent.pkg',
        '--config',
        configId,
        '--label',
        'cluster',
        '--public-url',
        base,
        '--data',
        data,
        '--json',
      ),
    ) as { id: string; manifestUrl: string };
    const url = made.manifestUrl;
    const before = await Promise.all(Array.from({ length: 12 }, () => get(url)));
    expect(before.map((r) => r.status)).toEqual(Array(12).fill(200));
    // The package URL inside works on the cluster too.
    const pkg = /<string>(http[^<]+\/mac\/Agent\.pkg\?token=[^<]+)<\/string>/.exec(
      before[0]!.body,
    )![1]!;
    expect((await get(pkg)).status).toBe(200);

    cli('content', 'revoke-link', made.id, '--data', data);
    const after = await Promise.all(Array.from({ length: 12 }, () => get(url)));
    expect(after.map((r) => r.status)).toEqual(Array(12).fill(401));
    expect(after.every((r) => JSON.parse(r.body).code === 'LINK_REFUSED')).toBe(true);
  }, 60_000);
});
