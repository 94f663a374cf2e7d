/**
 * The catalog over real HTTP on 127.0.0.1: upload → install links → download through a real
 * startServer content listener (and the device manifest route), interrupted uploads leave
 * nothing behind, and concurrent uploads to one path never mix.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/app.js';
import { type RunningServer, startServer } from '../../src/app/serve.js';
import { createManifestExtension } from '../../src/catalog/manifest-extension.js';
import { probeRunner } from '../../src/probe/runner.js';
import { storeKeySource } from '../../src/store/key-source.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { type Fixtures, makeFixtures } from '../catalog/fixtures.js';
import { addAccount, login } from './helpers.js';

let dir: string;
let root: string;
let store: Store;
let server: RunningServer;
let app: FastifyInstance;
let adminUrl: string;
let auth: Record<string, string>;
let configId: string;
let files: Fixtures;

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  files = makeFixtures({ basic: true });
  dir = mkdtempSync(join(tmpdir(), 'portcullis-content-http-'));
  root = join(dir, 'content');
  mkdirSync(root);
  store = openSqliteStore({ dataDir: dir });
  const keySource = storeKeySource(store, { pollMs: 50 });
  let base = '';
  server = await startServer({
    root,
    keySource,
    host: '127.0.0.1',
    port: 0,
    admin: false,
    workers: 1,
    logLevel: 'silent',
    contentExtensions: [createManifestExtension({ store, publicUrl: () => base })],
  });
  base = server.url;
  app = await buildAdminApp({
    probe: probeRunner,
    store,
    secret: new Uint8Array(randomBytes(32)),
    publicUrl: server.url,
    contentRoot: root,
  });
  adminUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  await addAccount(store, 'alice', 'admin');
  auth = { authorization: `Bearer ${await login(app, 'alice')}` };
  const res = await fetch(`${adminUrl}/api/v1/jwt-configurations`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ displayName: 'Jamf', tokenExpiry: 600 }),
  });
  expect(res.status).toBe(201);
  configId = ((await res.json()) as { id: string }).id;
  await until(
    async () => (await fetch(`${server.url}/_portcullis/readyz`)).status === 200,
    'keys on the content listener',
  );
}, 60_000);

afterAll(async () => {
  await app?.close();
  await server?.close();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  files?.cleanup();
});

async function upload(path: string, body: Buffer): Promise<Response> {
  return fetch(`${adminUrl}/api/v1/content/${path}`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/octet-stream' },
    body: new Uint8Array(body),
  });
}

describe('round trip', () => {
  it('upload → install → the signed download URL serves the same bytes', async () => {
    const bytes = readFileSync(files.path('app-binary.ipa'));
    expect((await upload('apps/Field%20Kit.ipa', bytes)).status).toBe(201);
    const links = (await (
      await fetch(`${adminUrl}/api/v1/content/apps/Field%20Kit.ipa/install?config=${configId}`, {
        headers: auth,
      })
    ).json()) as {
      downloadUrl: string;
      manifestUrl: string;
    };
    expect(links.downloadUrl.startsWith(`${server.url}/apps/Field%20Kit.ipa?token=`)).toBe(true);
    const download = await fetch(links.downloadUrl);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await fetch(`${server.url}/apps/Field%20Kit.ipa`)).status).toBe(401);
  });

  it('the device manifest route verifies the token and points at a working download', async () => {
    const links = (await (
      await fetch(`${adminUrl}/api/v1/content/apps/Field%20Kit.ipa/install?config=${configId}`, {
        headers: auth,
      })
    ).json()) as {
      manifestUrl: string;
    };
    const res = await fetch(links.manifestUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('no-store');
    const parsed = JSON.parse(
      execFileSync(
        'python3',
        [
          '-c',
          'import plistlib,sys,json;print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))',
        ],
        {
          input: Buffer.from(await res.arrayBuffer()),
        },
      ).toString(),
    ) as { items: Array<{ assets: Array<{ url: string }>; metadata: Record<string, string> }> };
    expect(parsed.items[0]?.metadata['bundle-identifier']).toBe('com.example.fieldkit');
    const pkgUrl = parsed.items[0]?.assets[0]?.url ?? '';
    const pkg = await fetch(pkgUrl);
    expect(pkg.status).toBe(200);
    expect(sha(Buffer.from(await pkg.arrayBuffer()))).toBe(
      sha(readFileSync(files.path('app-binary.ipa'))),
    );
  });

  it('refuses manifests without a valid token before revealing whether the content exists', async () => {
    const bare = `${server.url}/_portcullis/manifest/apps/Field%20Kit.ipa.plist`;
    const missing = `${server.url}/_portcullis/manifest/apps/Nope.ipa.plist`;
    for (const url of [
      bare,
      missing,
      `${bare}?token=not.a.token`,
      `${missing}?token=not.a.token`,
    ]) {
      const res = await fetch(url);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { code: string }).code).toMatch(/^TOKEN_/);
    }
  });
});

describe('upload safety', () => {
  it('an upload aborted mid-body leaves neither the file nor a temp file', async () => {
    const { port } = new URL(adminUrl);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(
      `PUT /api/v1/content/aborted.ipa HTTP/1.1\r\nHost: x\r\n${Object.entries(auth)
        .map(([k, v]) => `${k}: ${v}`)
        .join(
          '\r\n',
        )}\r\nContent-Type: application/octet-stream\r\nContent-Length: 5000000\r\n\r\n`,
    );
    socket.write(Buffer.alloc(200_000, 1));
    await until(
      () =>
        existsSync(join(root, '.portcullis-tmp')) &&
        readdirSync(join(root, '.portcullis-tmp')).length > 0,
      'the temp file',
    );
    socket.destroy();
    await until(() => readdirSync(join(root, '.portcullis-tmp')).length === 0, 'temp cleanup');
    expect(existsSync(join(root, 'aborted.ipa'))).toBe(false);
    expect(await store.content.get('aborted.ipa')).toBeUndefined();
  });

  it('concurrent uploads to one path: the file and record are one complete upload, never a mix', async () => {
    const a = Buffer.alloc(3 * 1024 * 1024, 0xaa);
    const b = Buffer.alloc(3 * 1024 * 1024 + 7, 0xbb);
    const results = await Promise.all([
      upload('race.bin', a),
      upload('race.bin', b),
      upload('race.bin', a),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    const onDisk = readFileSync(join(root, 'race.bin'));
    expect([sha(a), sha(b)]).toContain(sha(onDisk));
    expect((await store.content.get('race.bin'))?.sha256).toBe(sha(onDisk));
    expect(readdirSync(join(root, '.portcullis-tmp'))).toEqual([]);
  });

  it('refuses encoded dot segments sent over the wire', async () => {
    // node:http sends the path as written (fetch would normalise the dot segments away).
    const { port } = new URL(adminUrl);
    const { status, body } = await new Promise<{ status: number; body: string }>(
      (resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            method: 'PUT',
            path: '/api/v1/content/a/%2e%2e/%2e%2e/escape.ipa',
            headers: auth,
          },
          (res) => {
            let text = '';
            res.on('data', (c) => {
              text += c;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on('error', reject);
        req.end('x');
      },
    );
    expect(status).toBe(400);
    expect((JSON.parse(body) as { code: string }).code).toBe('PATH_INVALID');
    expect(existsSync(join(dir, 'escape.ipa'))).toBe(false);
  });
});
