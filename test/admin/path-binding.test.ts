/**
 * Tokens Portcullis mints for one file open that file and nothing else (issue 10 §2), on every
 * content route that takes a download token: the file route, forward-auth and the validating
 * proxy (the manifest route: content-device.test.ts). Tokens are minted through the admin API and
 * verified by real listeners over loopback with the store's keys; Jamf Pro-shaped tokens (no path
 * claim), signed with the same configuration key, keep opening every path.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/serve.js';
import { storeKeySource } from '../../src/store/key-source.js';
import { decryptSecret } from '../../src/store/secret.js';
import { signToken } from '../../src/token/sign.js';
import { type AdminFixture, addAccount, adminFixture, bearer, login } from './helpers.js';

let fx: AdminFixture;
let files: RunningServer;
let proxy: RunningServer;
let upstream: Server;
const upstreamSaw: string[] = [];
let configId = '';
/** Minted by POST signed-urls for /apps/A.ipa. */
let boundA = '';
/** Jamf-shaped (no path claim), signed with the same configuration key. */
let jamf = '';

async function listen(opts: { root?: string; upstream?: string }): Promise<RunningServer> {
  return startServer({
    ...opts,
    keySource: storeKeySource(fx.store),
    host: '127.0.0.1',
    port: 0,
    admin: false,
    workers: 1,
    logLevel: 'silent',
  });
}

const codeOf = async (res: Response) =>
  res.status === 204 || res.status === 200 ? 'OK' : ((await res.json()) as { code: string }).code;

beforeAll(async () => {
  fx = await adminFixture();
  const root = join(fx.dir, 'content');
  mkdirSync(join(root, 'apps'), { recursive: true });
  writeFileSync(join(root, 'apps', 'A.ipa'), 'file A');
  writeFileSync(join(root, 'apps', 'B.ipa'), 'file B');
  await addAccount(fx.store, 'alice', 'admin');
  const admin = bearer(await login(fx.app, 'alice'));
  const cfg = await fx.app.inject({
    method: 'POST',
    url: '/api/v1/jwt-configurations',
    headers: admin,
    payload: { displayName: 'Jamf' },
  });
  configId = cfg.json().id;
  const signed = await fx.app.inject({
    method: 'POST',
    url: `/api/v1/jwt-configurations/${configId}/signed-urls`,
    headers: admin,
    payload: { path: 'apps/A.ipa' },
  });
  boundA = new URL(signed.json().url).searchParams.get('token') ?? '';
  const record = await fx.store.configurations.get(configId);
  const pem = decryptSecret(fx.secret, record!.privateKeyCiphertext, `configuration:${configId}`);
  jamf = signToken(createPrivateKey(Buffer.from(pem)), { expiresIn: '5m' });
  files = await listen({ root });
  upstream = createServer((req, res) => {
    upstreamSaw.push(req.url ?? '');
    res.writeHead(200, { 'content-length': '8' }).end('upstream');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  proxy = await listen({
    upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
  });
}, 60_000);

afterAll(async () => {
  await files?.close();
  await proxy?.close();
  await new Promise((r) => upstream?.close(r));
  await fx?.close();
});

describe('a token minted for /apps/A.ipa', () => {
  it('downloads /apps/A.ipa, also when the path is spelled with escapes', async () => {
    for (const path of ['/apps/A.ipa', '/apps/%41.ipa', '/%61pps/A%2eipa']) {
      const res = await fetch(`${files.url}${path}?token=${boundA}`);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toBe('file A');
    }
  });

  it('is refused on any other path with TOKEN_PATH_MISMATCH, before the disk is consulted', async () => {
    for (const path of ['/apps/B.ipa', '/apps/a.ipa', '/apps/A.ipa.bak', '/apps/Missing.ipa']) {
      const res = await fetch(`${files.url}${path}?token=${boundA}`);
      expect(res.status, path).toBe(401);
      expect(await codeOf(res), path).toBe('TOKEN_PATH_MISMATCH');
    }
    // As a directory (trailing slash) it names no file: refused too.
    const dir = await fetch(`${files.url}/apps/A.ipa/?token=${boundA}`);
    expect(await codeOf(dir)).toBe('TOKEN_PATH_MISMATCH');
  });

  it('never reaches /apps/B.ipa through dot segments, raw or encoded', async () => {
    for (const path of [
      '/apps/A.ipa/../B.ipa',
      '/apps/A.ipa/%2e%2e/B.ipa',
      '/apps/A.ipa%2f..%2fB.ipa',
    ]) {
      // fetch() would normalise `..` itself; send the raw target over a socket-level request.
      const res = await rawGet(files.url, `${path}?token=${boundA}`);
      expect(res.status, path).not.toBe(200);
      expect(res.body, path).not.toContain('file B');
    }
  });

  it('through forward-auth: 204 for its own path, refused for every other', async () => {
    const auth = (uri: string) =>
      fetch(`${files.url}/_portcullis/auth`, {
        headers: { 'x-original-uri': uri, 'x-forwarded-method': 'GET' },
      });
    expect((await auth(`/apps/A.ipa?token=${boundA}`)).status).toBe(204);
    const other = await auth(`/apps/B.ipa?token=${boundA}`);
    expect(other.status).toBe(401);
    expect(await codeOf(other)).toBe('TOKEN_PATH_MISMATCH');
    for (const uri of [`/apps/A.ipa/../B.ipa?token=${boundA}`, `/apps/A.ipa/?token=${boundA}`]) {
      expect((await auth(uri)).status, uri).toBeGreaterThanOrEqual(400);
    }
  });

  it('through the validating proxy: only its own path is forwarded upstream', async () => {
    upstreamSaw.length = 0;
    expect((await fetch(`${proxy.url}/apps/A.ipa?token=${boundA}`)).status).toBe(200);
    const other = await fetch(`${proxy.url}/apps/B.ipa?token=${boundA}`);
    expect(other.status).toBe(401);
    expect(await codeOf(other)).toBe('TOKEN_PATH_MISMATCH');
    expect(upstreamSaw).toEqual(['/apps/A.ipa']);
  });
});

describe('a Jamf Pro token (no path claim)', () => {
  it('keeps opening every path on the file route, forward-auth and the proxy', async () => {
    for (const path of ['/apps/A.ipa', '/apps/B.ipa']) {
      expect((await fetch(`${files.url}${path}?token=${jamf}`)).status, path).toBe(200);
      const auth = await fetch(`${files.url}/_portcullis/auth`, {
        headers: { 'x-original-uri': `${path}?token=${jamf}`, 'x-forwarded-method': 'GET' },
      });
      expect(auth.status, path).toBe(204);
      expect((await fetch(`${proxy.url}${path}?token=${jamf}`)).status, path).toBe(200);
    }
  });
});

/** A GET whose request target is sent byte for byte (no client-side dot-segment removal). */
function rawGet(base: string, target: string): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: target, method: 'GET' },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
