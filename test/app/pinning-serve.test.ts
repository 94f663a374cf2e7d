/**
 * `serve --data --tls-cert` end to end: the InstallEnterpriseApplication command the admin
 * listener answers with `?pinning=true` pins exactly the certificates the content listener
 * presents in its TLS handshake (as `openssl s_client -showcerts` sees them), in order — the
 * wiring from serve's TLS settings to the admin API, not just the file reader. With
 * `--pinning-certs` (TLS ended at a front server) that file's chain wins.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/app.js';
import { type Launched, launch } from '../../src/app/launch.js';
import { probeRunner } from '../../src/probe/runner.js';
import { loadServeConfig } from '../../src/server/config.js';
import { openStoreWithSecret } from '../../src/store/open.js';
import { addAccount, basic, bearer, login, PASSWORD } from '../admin/helpers.js';
import { type Fixtures, makeFixtures } from '../catalog/fixtures.js';

const PASSWORD_USER = 'alice';
let work: string;
let data: string;
let files: Fixtures;
let configId = '';
let chain: string;
let key: string;
let frontChain: string;

function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, {
    encoding: 'utf8',
    ...(input === undefined ? {} : { input }),
  });
}

/** A CA and a leaf for 127.0.0.1 it issued; returns the chain file (leaf, CA) and the key. */
function makeChain(name: string): { chain: string; key: string } {
  const ca = join(work, `${name}-ca.pem`);
  const caKey = join(work, `${name}-ca.key`);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name} CA`,
    '-keyout',
    caKey,
    '-out',
    ca,
  ]);
  const leafKey = join(work, `${name}.key`);
  const csr = join(work, `${name}.csr`);
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    leafKey,
    '-out',
    csr,
  ]);
  const ext = join(work, `${name}.ext`);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1\n');
  const leaf = join(work, `${name}.pem`);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    ext,
    '-out',
    leaf,
  ]);
  const full = join(work, `${name}-fullchain.pem`);
  writeFileSync(full, readFileSync(leaf, 'utf8') + readFileSync(ca, 'utf8'));
  return { chain: full, key: leafKey };
}

/** DER (base64) of each certificate in PEM text, via openssl. */
function derOf(pemText: string): string[] {
  const blocks =
    pemText.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) =>
    execFileSync('openssl', ['x509', '-outform', 'DER'], { input: b }).toString('base64'),
  );
}

/** `openssl s_client -showcerts` against the listener, with stdin closed and a time limit. */
function showCerts(port: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-showcerts', '-servername', '127.0.0.1'],
      { encoding: 'utf8', timeout: 20_000 },
      (err, stdout) => (stdout.includes('BEGIN CERTIFICATE') ? resolve(stdout) : reject(err)),
    );
    child.stdin?.end();
  });
}

async function start(extra: Record<string, unknown>): Promise<Launched> {
  const config = loadServeConfig({
    flags: {
      data,
      root: join(data, 'content'),
      port: 0,
      adminPort: 0,
      workers: 1,
      logLevel: 'silent',
      publicUrl: 'https://dist.example.test',
      tlsCert: chain,
      tlsKey: key,
      ...extra,
    },
  });
  return launch(config, { dataGiven: true, stderr: () => {} });
}

async function pinnedCommand(running: Launched): Promise<Record<string, unknown>> {
  const admin = running.server.adminUrl!.replace(/\/+$/, '');
  const auth = await fetch(`${admin}/api/v1/auth/token`, {
    method: 'POST',
    headers: { authorization: basic(PASSWORD_USER, PASSWORD) },
  });
  const token = ((await auth.json()) as { token: string }).token;
  const res = await fetch(
    `${admin}/api/v1/content/mac/Suite.pkg/commands/InstallEnterpriseApplication.plist?config=${configId}&pinning=true`,
    { headers: bearer(token) },
  );
  expect(res.status).toBe(200);
  const out = execFileSync(
    'python3',
    [
      '-c',
      'import plistlib,sys,json,base64\n' +
        'd=plistlib.loads(sys.stdin.buffer.read())["Command"]\n' +
        'd["ManifestURLPinningCerts"]=[base64.b64encode(c).decode() for c in d.get("ManifestURLPinningCerts",[])]\n' +
        'print(json.dumps(d))',
    ],
    { input: Buffer.from(await res.arrayBuffer()) },
  );
  return JSON.parse(out.toString('utf8'));
}

beforeAll(async () => {
  files = makeFixtures({ basic: true });
  work = mkdtempSync(join(tmpdir(), 'portcullis-pin-serve-'));
  data = join(work, 'data');
  ({ chain, key } = makeChain('listener'));
  frontChain = makeChain('front').chain;
  const { store, secret } = await openStoreWithSecret({ dataDir: data }, data);
  const app = await buildAdminApp({
    store,
    secret,
    publicUrl: 'https://dist.example.test',
    contentRoot: join(data, 'content'),
    probe: probeRunner,
  });
  await addAccount(store, PASSWORD_USER, 'admin');
  const h = bearer(await login(app, PASSWORD_USER));
  configId = (
    await app.inject({
      method: 'POST',
      url: '/api/v1/jwt-configurations',
      headers: h,
      payload: { displayName: 'Pinned' },
    })
  ).json().id;
  const put = await app.inject({
    method: 'PUT',
    url: '/api/v1/content/mac/Suite.pkg',
    headers: { ...h, 'content-type': 'application/octet-stream' },
    payload: readFileSync(files.path('product.pkg')),
  });
  expect(put.statusCode).toBe(201);
  await app.close();
  await store.close();
}, 120_000);

afterAll(() => {
  files?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('pinning on a real serve --data --tls-cert', () => {
  it('pins the chain the content listener presents in its handshake, in order', async () => {
    const running = await start({});
    try {
      const port = new URL(running.server.url).port;
      // Asynchronously: the listener runs in this process, so a synchronous child would block it.
      const shown = await showCerts(port);
      const served = derOf(shown);
      expect(served).toHaveLength(2);
      const command = await pinnedCommand(running);
      expect(command.ManifestURLPinningCerts).toEqual(served);
      expect(command.ManifestURL).toMatch(
        /^https:\/\/dist\.example\.test\/_portcullis\/manifest\/mac\/Suite\.pkg\.plist\?token=eyJ/,
      );
      expect(command.Manifest).toBeUndefined();
    } finally {
      await running.close();
    }
  }, 60_000);

  it('pins --pinning-certs instead when TLS ends at a front server', async () => {
    const running = await start({ pinningCerts: frontChain });
    try {
      const command = await pinnedCommand(running);
      expect(command.ManifestURLPinningCerts).toEqual(derOf(readFileSync(frontChain, 'utf8')));
      expect(command.ManifestURLPinningCerts).not.toEqual(derOf(readFileSync(chain, 'utf8')));
    } finally {
      await running.close();
    }
  }, 60_000);
});
