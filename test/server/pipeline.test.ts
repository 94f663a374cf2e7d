// One pipeline for every route of the content listener (src/server/admission.ts): downloads,
// proxy and forward-auth read the token by the same rules (src/token/request-token.ts), refuse
// ambiguity in the same shape, never serve what lies under the reserved prefix, and never hand
// a token to the upstream under any spelling of its parameter name. Real HTTP on loopback.
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import { makeKey, removeDir, sign, startQuiet, type TestKey, tempDir } from './serve-helpers.js';

let dir: string;
let key: TestKey;
let files: RunningServer;
let proxy: RunningServer;
let upstream: Server;
const upstreamSaw: string[] = [];

beforeAll(async () => {
  key = makeKey();
  dir = await tempDir();
  await writeFile(join(dir, 'App.ipa'), 'app bytes');
  // Files an operator might leave in the root under the reserved name, in other spellings too.
  for (const name of ['_portcullis', '_PORTCULLIS', '_Portcullis']) {
    await mkdir(join(dir, name), { recursive: true });
    await writeFile(join(dir, name, 'healthz'), 'secret');
    await writeFile(join(dir, name, 'secret.txt'), 'secret');
  }
  await writeFile(join(dir, '_portcullis.txt'), 'not reserved');
  const keySource = {
    load: async () => [{ key: key.publicKey, kid: 'k1', label: 'cfg-1' }],
    describe: () => 'k',
  };
  files = await startQuiet({ root: dir, keySource, admin: false });
  upstream = createServer((req, res) => {
    upstreamSaw.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '2' });
    res.end('up');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  proxy = await startQuiet({ upstream: `http://127.0.0.1:${port}/`, keySource, admin: false });
});

afterAll(async () => {
  await files?.close();
  await proxy?.close();
  await new Promise((r) => upstream?.close(r));
  await removeDir(dir);
});

/** A GET with raw (possibly repeated) headers, which fetch would merge into one. */
function rawGet(
  url: string,
  headers: Record<string, string | string[]>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
    req.on('error', reject);
    req.end();
  });
}

const codeOf = async (res: Response) => ((await res.json()) as { code: string }).code;

describe('the reserved prefix', () => {
  it('never serves content under /_portcullis/, in any spelling, with or without a token', async () => {
    const token = sign(key);
    for (const path of [
      '/_portcullis/healthz/',
      '/_portcullis/secret.txt',
      '/_PORTCULLIS/secret.txt',
      '/_Portcullis/healthz',
      '/%5Fportcullis/secret.txt',
      '/%5fportcullis/healthz',
      '/_portcullis',
    ]) {
      const res = await fetch(`${files.url}${path}?token=${token}`);
      const body = await res.text();
      expect(body, path).not.toContain('secret');
      expect([400, 404], path).toContain(res.status);
    }
    // Only the prefix is reserved, not every name that starts like it.
    const near = await fetch(`${files.url}/_portcullis.txt?token=${token}`);
    expect(await near.text()).toBe('not reserved');
  });

  it('refuses a reserved path before the token, the same way with and without one', async () => {
    const a = await fetch(`${files.url}/%5Fportcullis/secret.txt`);
    const b = await fetch(`${files.url}/%5Fportcullis/secret.txt?token=${sign(key)}`);
    expect(a.status).toBe(400);
    expect(b.status).toBe(400);
    const body = await a.text();
    expect(JSON.parse(body).code).toBe('PATH_REJECTED');
    expect(await b.text()).toBe(body);
  });

  it('refuses the prefix spelled with a case-folding look-alike (long s, U+017F) before the token', async () => {
    const res = await fetch(`${files.url}/_portculli%C5%BF/secret.txt`);
    expect(res.status).toBe(400);
    expect(await codeOf(res)).toBe('PATH_REJECTED');
  });

  it('forward-auth refuses an original URI under the reserved prefix (403, never 204)', async () => {
    const res = await fetch(`${files.url}/_portcullis/auth`, {
      headers: {
        'x-original-uri': `/_PORTCULLIS/secret.txt?token=${sign(key)}`,
        'x-forwarded-method': 'GET',
      },
    });
    expect(res.status).toBe(403);
    expect(await codeOf(res)).toBe('PATH_REJECTED');
  });

  it('answers unknown reserved routes 404 without reading a token', async () => {
    const res = await fetch(`${files.url}/_portcullis/App.ipa?token=${sign(key)}`);
    expect(res.status).toBe(404);
    expect(await codeOf(res)).toBe('NOT_FOUND');
  });
});

describe('token ambiguity, refused alike on every route', () => {
  it('refuses two Authorization headers, on downloads and on forward-auth', async () => {
    const t = sign(key);
    const two = [`Bearer ${t}`, `Bearer ${sign(makeKey())}`];
    const download = await rawGet(`${files.url}/App.ipa`, { authorization: two });
    expect(download.status).toBe(401);
    expect(JSON.parse(download.body).code).toBe('TOKEN_MALFORMED');
    const auth = await rawGet(`${files.url}/_portcullis/auth`, {
      authorization: two,
      'x-original-uri': '/App.ipa',
      'x-forwarded-method': 'GET',
    });
    expect(auth.status).toBe(401);
    expect(JSON.parse(auth.body).code).toBe('TOKEN_MALFORMED');
    // One header still works.
    expect((await rawGet(`${files.url}/App.ipa`, { authorization: two[0]! })).status).toBe(200);
  });

  it('reads a percent-encoded token parameter name like any URL parser, and refuses two', async () => {
    const t = sign(key);
    expect((await fetch(`${files.url}/App.ipa?to%6Ben=${t}`)).status).toBe(200);
    const two = await fetch(`${files.url}/App.ipa?token=${t}&%74oken=${t}`);
    expect(two.status).toBe(401);
    expect(await codeOf(two)).toBe('TOKEN_MALFORMED');
    const viaProxy = await fetch(`${proxy.url}/App.ipa?token=${t}&%74oken=x`);
    expect(await codeOf(viaProxy)).toBe('TOKEN_MALFORMED');
  });

  it('never forwards a token to the upstream, whatever the spelling of its name', async () => {
    const t = sign(key);
    upstreamSaw.length = 0;
    for (const query of [`token=${t}&v=1`, `v=1&to%6Ben=${t}`, `tok%65n=${t}&a=%20`]) {
      const res = await fetch(`${proxy.url}/App.ipa?${query}`);
      expect(res.status, query).toBe(200);
      await res.arrayBuffer();
    }
    expect(upstreamSaw).toEqual(['/App.ipa?v=1', '/App.ipa?v=1', '/App.ipa?a=%20']);
    expect(upstreamSaw.join()).not.toContain(t.split('.')[2]!);
  });
});
