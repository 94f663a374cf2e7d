/**
 * The serving path with the shared store away, through the public surface: the real
 * `portcullis serve --data --database` on its own PostgreSQL database, reached through a TCP gate
 * the test closes (connections reset, new ones refused) and stalls (a database that takes bytes
 * and answers nothing) — PostgreSQL itself, and every other test using it, stays up.
 *
 * A manifest fetched with a link (or with a download token) needs the store; with the store away
 * it is a coded 503 STORE_UNAVAILABLE with Retry-After — byte-identical for a link that exists
 * and one that does not, never 500, never an admission, never LINK_REFUSED — counted, in the
 * access log and the audit trail by its code, with an error line that names the store's failure
 * and no token. Downloads with a download token keep working meanwhile (fail static). When the
 * database is back the same link opens again, with no restart.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkTokenKey } from '../../src/store/link-token.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { loadOrCreateSecret } from '../../src/store/secret.js';
import type { Store } from '../../src/store/types.js';
import { makeFixtures } from '../catalog/fixtures.js';
import { CLI, ensureBuilt } from '../helpers/dist.js';
import { type TcpGate, tcpGate } from '../helpers/tcp-gate.js';
import { eventually } from '../helpers/wait.js';
import { signingConfigInput } from '../store/contract.js';
import { pgTestDatabase } from '../store/pg-test-db.js';

const pg = await pgTestDatabase();
const M = '/_portcullis/manifest';
const env = { ...process.env };
delete env.PORTCULLIS_SECRET;
delete env.PORTCULLIS_DATABASE_URL;

let dir = '';
let data = '';
let dbName = '';
let gate: TcpGate | undefined;
/** The test's own handle on the database, not through the gate. */
let direct: Store | undefined;
let child: ChildProcess | null = null;
let out = '';
let err = '';
let base = '';
let adminUrl = '';
/** A link that exists, and links of the right shape that do not (one for an item that exists). */
let link = { id: '', manifestUrl: '', token: '' };
let unknownLink = '';
let unknownItemLink = '';

/** One request on a fresh connection: status, headers without Date, body bytes. */
function send(
  url: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const { date: _date, connection: _c, 'keep-alive': _k, ...headers } = res.headers;
        resolve({
          status: res.statusCode ?? 0,
          headers: headers as Record<string, string>,
          body: Buffer.concat(chunks),
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const manifestOf = (path: string, token: string) => `${base}${M}/${path}.plist?token=${token}`;

/** Every complete JSON line serve has written to stdout since offset `from`. */
function lines(from = 0): Record<string, unknown>[] {
  return out
    .slice(from)
    .split('\n')
    .slice(0, -1)
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function startServe(databaseUrl: string): Promise<void> {
  const args = ['serve', '--data', data, '--database', databaseUrl, '--host', '127.0.0.1'];
  args.push('--port', '0', '--admin-port', '0', '--workers', '1');
  const c = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  child = c;
  c.stderr!.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    c.stdout!.on('data', (d) => {
      out += d;
      for (const l of lines()) {
        if (l.msg === 'content listener ready') base = l.url as string;
        if (l.msg === 'admin listener ready') adminUrl = l.url as string;
      }
      if (base && adminUrl) resolve();
    });
    c.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

beforeAll(async () => {
  if (!pg) return;
  ensureBuilt();
  dbName = `portcullis_storedown_${process.pid}_${randomBytes(3).toString('hex')}`;
  await pg.admin.query(`CREATE DATABASE ${dbName}`);
  const target = new URL(pg.url);
  gate = await tcpGate({ host: target.hostname, port: Number(target.port || 5432) });
  const gated = new URL(pg.url);
  gated.hostname = '127.0.0.1';
  gated.port = String(gate.port);
  gated.pathname = `/${dbName}`;
  const own = new URL(pg.url);
  own.pathname = `/${dbName}`;

  dir = mkdtempSync(join(tmpdir(), 'portcullis-store-down-'));
  data = join(dir, 'data');
  // Asynchronous: the gate forwards in this process, so a synchronous child would starve it.
  const cli = async (...args: string[]) =>
    (
      await promisify(execFile)(
        process.execPath,
        [CLI, ...args, '--data', data, '--database', gated.href],
        { encoding: 'utf8', env },
      )
    ).stdout;
  const files = makeFixtures({ basic: true });
  try {
    await cli('content', 'add', files.path('component.pkg'), '--path', 'mac/Agent.pkg');
  } finally {
    files.cleanup();
  }
  const secret = await loadOrCreateSecret(data, {});
  direct = await openPostgresStore({ databaseUrl: own.href });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const id = randomUUID();
  await direct.configurations.create(
    signingConfigInput(secret, { privateKey, publicKey }, { id, displayName: 'Store down' }),
  );
  await startServe(gated.href);
  const made = JSON.parse(
    await cli(
      'content',
      'link',
      'mac/Agent.pkg',
      '--config',
      id,
      '--label',
      'DDM',
      '--public-url',
      base,
      '--json',
    ),
  ) as { id: string; manifestUrl: string };
  link = { ...made, token: new URL(made.manifestUrl).searchParams.get('token')! };
  const key = linkTokenKey(secret);
  unknownLink = manifestOf('mac/Agent.pkg', key.tokenFor(randomUUID()));
  unknownItemLink = manifestOf('mac/Nothing.pkg', key.tokenFor(randomUUID()));
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await gate?.stop();
  await direct?.close();
  if (pg && dbName) await pg.admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await pg?.dropAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The download token inside a manifest answer. */
function downloadToken(body: Buffer): string {
  return /\/mac\/Agent\.pkg\?token=(eyJ[^<]+)<\/string>/.exec(body.toString())![1]!;
}

/** The admin listener's value of one metric sample (0 when absent). */
async function metric(sample: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const row = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return row === undefined ? 0 : Number(row.slice(sample.length + 1));
}

const STORE_UNAVAILABLE_BODY = JSON.stringify({
  error: 'store_unavailable',
  code: 'STORE_UNAVAILABLE',
  message: 'The shared store is unavailable; try again shortly.',
});

describe.skipIf(!pg)('serve on PostgreSQL while the database is away', () => {
  let minted = '';

  it('with the database up, the link opens its manifest and unknown links are refused', async () => {
    const ok = await send(link.manifestUrl);
    expect(ok.status).toBe(200);
    minted = downloadToken(ok.body);
    expect((await send(`${base}/mac/Agent.pkg?token=${minted}`)).status).toBe(200);
    for (const url of [unknownLink, unknownItemLink]) {
      const refused = await send(url);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.body.toString()).code).toBe('LINK_REFUSED');
    }
  });

  it('connection refused: 503 STORE_UNAVAILABLE with Retry-After, the same bytes for every link', async () => {
    const countedBefore = await metric('portcullis_store_unavailable_total');
    const logFrom = out.length;
    await gate!.close();

    const answers = [];
    for (const url of [link.manifestUrl, unknownLink, unknownItemLink])
      answers.push(await send(url));
    for (const a of answers) {
      expect(a.status).toBe(503);
      expect(a.headers['retry-after']).toBe('5');
      expect(a.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(a.headers['cache-control']).toBe('no-store');
      expect(a.headers['www-authenticate']).toBeUndefined();
      expect(a.body.toString()).toBe(`${STORE_UNAVAILABLE_BODY}\n`);
    }
    // Byte-identical: an existing link, an unknown link, an unknown link of an unknown item.
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    const head = await send(link.manifestUrl, 'HEAD');
    expect(head.status).toBe(503);
    expect(head.headers).toEqual(answers[0]!.headers);
    expect(head.body.length).toBe(0);

    // A manifest opened with a download token reads the catalog: the same answer.
    expect(await send(manifestOf('mac/Agent.pkg', minted))).toEqual(answers[0]);
    // The JWKS reads the store too.
    const jwks = await send(`${base}/.well-known/jwks.json`);
    expect(jwks.status).toBe(503);
    expect(JSON.parse(jwks.body.toString()).code).toBe('STORE_UNAVAILABLE');
    // Downloads need no store: the node keeps serving with its last key ring (fail static).
    expect((await send(`${base}/mac/Agent.pkg?token=${minted}`)).status).toBe(200);

    // Counted, logged by code (access log and one error line each), and never the token.
    expect(await metric('portcullis_store_unavailable_total')).toBe(countedBefore + 6);
    const manifestSample = 'portcullis_requests_total{outcome="STORE_UNAVAILABLE",via="manifest"}';
    await eventually(async () => (await metric(manifestSample)) === 5, 5000, 'requests counted');
    const access = () =>
      lines(logFrom).filter((l) => l.msg === 'request' && l.outcome === 'STORE_UNAVAILABLE');
    await eventually(() => access().length === 6, 5000, 'access lines');
    expect(access().map((l) => [l.status, l.via])).toEqual([
      ...Array(5).fill([503, 'manifest']),
      [503, 'file'],
    ]);
    const logged = lines(logFrom);
    const errors = logged.filter((l) => l.code === 'STORE_UNAVAILABLE' && l.level === 50);
    expect(errors).toHaveLength(6);
    expect(errors[0]).toMatchObject({
      msg: 'shared store unavailable: answered 503, the device is asked to retry',
      via: 'manifest',
      detail: 'The database cannot be reached.',
      cause: 'ECONNREFUSED',
    });
    expect(logged.some((l) => l.msg === 'request failed')).toBe(false);
    for (const secret of [link.token, minted, ...[unknownLink, unknownItemLink].map(tokenOf)]) {
      expect(out + err).not.toContain(secret);
    }
  });

  it('back: the same link opens again with no restart, and the audit trail names the outage', async () => {
    await gate!.open();
    await eventually(
      async () => (await send(link.manifestUrl)).status === 200,
      15_000,
      'link open',
    );
    // The buffered audit events reach the database once it is back.
    await eventually(
      async () =>
        (await direct!.audit.query({ outcome: 'STORE_UNAVAILABLE' })).items.some(
          (e) => e.status === 503 && e.via === 'manifest',
        ),
      15_000,
      'audited outage',
    );
    const audited = JSON.stringify((await direct!.audit.query({ limit: 1000 })).items);
    expect(audited).not.toContain(link.token);
  });

  it('a database that answers nothing: 503 within the 5 s deadline, not a request held open', async () => {
    expect((await send(link.manifestUrl)).status).toBe(200);
    gate!.stall();
    const started = Date.now();
    const stalled = await send(link.manifestUrl);
    const waited = Date.now() - started;
    expect(stalled.status).toBe(503);
    expect(stalled.body.toString()).toBe(`${STORE_UNAVAILABLE_BODY}\n`);
    expect(waited).toBeGreaterThanOrEqual(4_500);
    expect(waited).toBeLessThan(9_000);
    await gate!.open();
    await eventually(
      async () => (await send(link.manifestUrl)).status === 200,
      15_000,
      'link open',
    );
  }, 30_000);
});

function tokenOf(url: string): string {
  return new URL(url).searchParams.get('token')!;
}
