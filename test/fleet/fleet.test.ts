/**
 * Two `portcullis serve` processes on one PostgreSQL database (a throw-away cluster this test
 * starts, stops and restarts) and one content root, as behind a load balancer: a configuration
 * disabled through node A's admin API is refused on node B within 2 s; a sign-in throttled on A
 * is throttled on B; a download started on A resumes on B after exp (resume grace); audit rows
 * from both nodes land in one log; with PostgreSQL stopped both keep serving valid tokens and
 * refusing bad ones, and what they audited meanwhile is written once it is back.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/store/passwords.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { encryptSecret, secretFromEnvValue } from '../../src/store/secret.js';
import { verifySecretInStore } from '../../src/store/secret-check.js';
import { CLI, ensureBuilt } from '../helpers/dist.js';
import { eventually } from '../helpers/wait.js';
import { makeKey, removeDir, sign, type TestKey, tempDir } from '../server/serve-helpers.js';
import { startThrowawayCluster, type ThrowawayCluster } from './pg-cluster.js';

const SECRET = randomBytes(32).toString('hex');
const PASSWORD = 'fleet admin passphrase';
const configId = randomUUID();
let cluster: ThrowawayCluster;
let dir: string;
let key: TestKey;
const children: ChildProcess[] = [];
interface Node {
  url: string;
  adminUrl: string;
  stderr: () => string;
}
let a: Node;
let b: Node;

function serve(name: string): Promise<Node> {
  const data = join(dir, name);
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--port',
      '0',
      '--admin-port',
      '0',
      '--data',
      data,
      '--root',
      join(dir, 'content'),
      '--database',
      cluster.url,
      // Resume grace on, and no leeway, so a token expires when the test says.
      '--resume-grace',
      '10m',
      '--leeway',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PORTCULLIS_SECRET: SECRET } },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (c) => {
    err += c;
  });
  return new Promise((resolve, reject) => {
    let adminUrl = '';
    let contentUrl = '';
    child.stdout!.on('data', (c) => {
      out += c;
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        const l = JSON.parse(line);
        if (l.msg === 'admin listener ready') adminUrl = l.url;
        if (l.msg === 'content listener ready') contentUrl = l.url;
        if (contentUrl && adminUrl) resolve({ url: contentUrl, adminUrl, stderr: () => err + out });
      }
    });
    child.on('exit', (code) => reject(new Error(`serve ${name} exited ${code}: ${err}`)));
  });
}

function http(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers, agent: false },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const download = (node: Node, file: string, token: string) =>
  http(`${node.url}/${file}?token=${encodeURIComponent(token)}`);

beforeAll(async () => {
  ensureBuilt();
  cluster = await startThrowawayCluster();
  dir = await tempDir('portcullis-fleet-');
  mkdirSync(join(dir, 'content'));
  for (const f of ['a.ipa', 'b.ipa', 'during-a.ipa', 'during-b.ipa', 'resumed.ipa']) {
    writeFileSync(join(dir, 'content', f), `bytes of ${f}`);
  }
  key = makeKey();
  // The store as an admin would have set it up: one account, one configuration.
  const secret = secretFromEnvValue(SECRET);
  const store = await openPostgresStore({ databaseUrl: cluster.url });
  await verifySecretInStore(store, secret);
  await store.accounts.create({
    username: 'fleet',
    passwordHash: await hashPassword(PASSWORD),
    role: 'admin',
    disabled: false,
    mustChangePassword: false,
  });
  await store.configurations.create({
    id: configId,
    displayName: 'Jamf Fleet',
    privateKeyCiphertext: encryptSecret(secret, key.privatePem, `configuration:${configId}`),
    publicKeyPem: key.publicPem,
    kid: 'fleet',
    fingerprint: 'SHA256:fleet',
    keyBits: 2048,
    certificatePem: null,
    tokenExpirySeconds: 300,
    enabled: true,
    createdBy: 'test',
  });
  await store.close();
  [a, b] = await Promise.all([serve('node-a'), serve('node-b')]);
}, 240_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  cluster?.destroy();
  if (dir) await removeDir(dir);
});

async function adminToken(node: Node): Promise<string> {
  const basic = Buffer.from(`fleet:${PASSWORD}`).toString('base64');
  const r = await http(`${node.adminUrl}/api/v1/auth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}` },
  });
  expect(r.status).toBe(200);
  return JSON.parse(r.body).token;
}

async function setEnabled(node: Node, enabled: boolean): Promise<void> {
  const r = await http(`${node.adminUrl}/api/v1/jwt-configurations/${configId}`, {
    method: 'PATCH',
    headers: {
      authorization: `Bearer ${await adminToken(node)}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ enabled }),
  });
  expect(r.status).toBe(200);
}

describe('a fleet of two nodes on one PostgreSQL', () => {
  it('serves a valid token on both nodes and refuses a forged one on both', async () => {
    const token = sign(key);
    expect((await download(a, 'a.ipa', token)).status).toBe(200);
    expect((await download(b, 'b.ipa', token)).status).toBe(200);
    const forged = sign(makeKey());
    expect((await download(a, 'a.ipa', forged)).status).toBeGreaterThanOrEqual(401);
    expect((await download(b, 'b.ipa', forged)).status).toBeGreaterThanOrEqual(401);
  });

  it('refuses on node B within 2 s a configuration disabled through node A, and back', async () => {
    const token = sign(key);
    await setEnabled(a, false);
    const t0 = Date.now();
    await eventually(
      async () => (await download(b, 'b.ipa', token)).status >= 400,
      2000,
      'B refuses',
    );
    const took = Date.now() - t0;
    expect(took).toBeLessThan(2000);
    await setEnabled(a, true);
    await eventually(
      async () => (await download(b, 'b.ipa', token)).status === 200,
      2000,
      'B serves',
    );
  });

  it('writes the audit rows of both nodes into one log', async () => {
    const store = await openPostgresStore({ databaseUrl: cluster.url });
    try {
      await eventually(
        async () => {
          const paths = (await store.audit.query({ outcome: 'OK', limit: 1000 })).items.map(
            (e) => e.path,
          );
          return paths.includes('/a.ipa') && paths.includes('/b.ipa');
        },
        5000,
        'rows from A and B',
      );
    } finally {
      await store.close();
    }
  });

  it('resumes on node B, after exp, a download a token started on node A', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = sign(key, { now, expiresIn: 2 });
    const first = await http(`${a.url}/resumed.ipa?token=${token}`, {
      headers: { range: 'bytes=0-4' },
    });
    expect(first.status).toBe(206);
    await new Promise((r) => setTimeout(r, (now + 3) * 1000 - Date.now()));
    const rest = await http(`${b.url}/resumed.ipa?token=${token}`, {
      headers: { range: 'bytes=5-' },
    });
    expect(rest.status).toBe(206);
    expect(rest.body).toBe('bytes of resumed.ipa'.slice(5));
    // Grace continues a download; it never starts one.
    expect((await download(b, 'resumed.ipa', token)).status).toBe(401);
  });

  it('throttles on node B a sign-in throttled on node A', async () => {
    const signIn = (node: Node, username: string, password: string) =>
      http(`${node.adminUrl}/api/v1/auth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
        },
      });
    // Five free guesses at one username on A, then two more after each lock: the third lock is 4 s.
    for (let i = 0; i < 5; i++) expect((await signIn(a, 'fleet', 'wrong guess')).status).toBe(401);
    for (const wait of [1100, 2100]) {
      await new Promise((r) => setTimeout(r, wait));
      expect((await signIn(a, 'fleet', 'wrong guess')).status).toBe(401);
    }
    // B has seen none of those guesses, yet refuses even the right password before hashing it.
    const onB = await signIn(b, 'FLEET', PASSWORD);
    expect(onB.status).toBe(429);
    expect(JSON.parse(onB.body)).toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    // Once the lock has passed the right password works on either node, and clears it for both.
    await new Promise((r) => setTimeout(r, 4100));
    expect(await adminToken(b)).toBeTruthy();
    expect(await adminToken(a)).toBeTruthy();
  }, 30_000);

  it('keeps serving with PostgreSQL stopped and writes what it buffered once it is back', async () => {
    const token = sign(key);
    const forged = sign(makeKey());
    cluster.stop();
    try {
      // Long enough for key polls and audit flushes to fail at least once on both nodes.
      await new Promise((r) => setTimeout(r, 2500));
      for (const [node, file] of [
        [a, 'during-a.ipa'],
        [b, 'during-b.ipa'],
      ] as const) {
        const ok = await download(node, file, token);
        expect(ok.status).toBe(200);
        expect(ok.body).toBe(`bytes of ${file}`);
        expect((await download(node, file, forged)).status).toBeGreaterThanOrEqual(401);
        // Still in the load balancer's pool, but saying why an operator should look.
        const ready = await http(`${node.url}/_portcullis/readyz`);
        expect(ready.status).toBe(200);
        expect(JSON.parse(ready.body)).toMatchObject({ status: 'degraded', keys: 1 });
        expect((await http(`${node.adminUrl}/metrics`)).body).toMatch(
          /^portcullis_store_degraded 1$/m,
        );
      }
      // The admin API cannot work without the store: 503 with a code, nothing half-done.
      const basic = Buffer.from(`fleet:${PASSWORD}`).toString('base64');
      const admin = await http(`${a.adminUrl}/api/v1/auth/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}` },
      });
      // Sign-in fails closed: the shared throttle cannot count the attempt, so none is checked.
      expect(admin.status).toBe(503);
      expect(JSON.parse(admin.body)).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      cluster.start();
    }
    const store = await openPostgresStore({ databaseUrl: cluster.url });
    try {
      await eventually(
        async () => {
          const paths = (await store.audit.query({ path: '/during-*', limit: 1000 })).items.map(
            (e) => `${e.path} ${e.status}`,
          );
          return ['/during-a.ipa 200', '/during-b.ipa 200'].every((p) => paths.includes(p));
        },
        15_000,
        'buffered rows from A and B',
      );
    } finally {
      await store.close();
    }
    // Both nodes are whole again: ready, not degraded, and the admin API answers.
    for (const node of [a, b]) {
      await eventually(
        async () =>
          JSON.parse((await http(`${node.url}/_portcullis/readyz`)).body).status === 'ready',
        5000,
        'ready again',
      );
    }
    expect(await adminToken(b)).toBeTruthy();
    expect((await download(a, 'a.ipa', token)).status).toBe(200);
    // Nothing was lost on the way: the buffers held everything.
    for (const node of [a, b]) {
      expect((await http(`${node.adminUrl}/metrics`)).body).toMatch(
        /^portcullis_audit_dropped_total 0$/m,
      );
    }
    expect(a.stderr() + b.stderr()).not.toContain(PASSWORD);
  }, 60_000);
});
