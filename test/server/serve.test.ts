import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import {
  makeKey,
  removeDir,
  sign,
  stableHeaders,
  startQuiet,
  type TestKey,
  tempDir,
  writeKeyFile,
} from './serve-helpers.js';

let dir: string;
let root: string;
let key: TestKey;
let other: TestKey;
let server: RunningServer;
let token: string;
const big = Buffer.alloc(300 * 1024);
for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;

beforeAll(async () => {
  key = makeKey();
  other = makeKey();
  dir = await tempDir();
  root = join(dir, 'content');
  await mkdir(join(root, 'apps'), { recursive: true });
  await mkdir(join(root, '.git'), { recursive: true });
  await writeFile(join(root, 'apps', 'App.ipa'), 'ipa-bytes-0123456789');
  await writeFile(join(root, 'apps', 'My App (1).ipa'), 'spaces');
  await writeFile(join(root, 'caf\u00e9.epub'), 'nfc');
  await writeFile(join(root, 'cafe\u0301.epub'), 'nfd');
  await writeFile(join(root, 'a..b.pkg'), 'dots');
  await writeFile(join(root, 'Big.pkg'), big);
  await writeFile(join(root, 'manifest.plist'), '<plist/>');
  await writeFile(join(root, '.env'), 'SECRET=1');
  await writeFile(join(root, '.git', 'config'), 'secret');
  await writeFile(join(dir, 'outside.txt'), 'outside');
  await symlink(join(dir, 'outside.txt'), join(root, 'escape.txt'));
  await symlink(join(root, 'apps', 'App.ipa'), join(root, 'alias.ipa'));
  await symlink(dir, join(root, 'escape-dir'));
  const pub = await writeKeyFile(dir, 'jamf.pub.pem', key);
  server = await startQuiet({ root, keys: [pub] });
  token = sign(key);
});

afterAll(async () => {
  await server?.close();
  await removeDir(dir);
});

/** A GET that sends the path exactly as written (fetch would normalise dot-segments). */
function rawGet(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(server.url);
    const req = request({ host: u.hostname, port: u.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const url = (path: string, t: string | null = token) =>
  `${server.url}${path}${t === null ? '' : `${path.includes('?') ? '&' : '?'}token=${t}`}`;

describe('GET and HEAD with a valid token', () => {
  it('serves a file with validators, Accept-Ranges, nosniff and no-store', async () => {
    const res = await fetch(url('/apps/App.ipa'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ipa-bytes-0123456789');
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-length')).toBe('20');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('private, no-store, no-transform');
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
    expect(res.headers.get('last-modified')).toMatch(/GMT$/);
  });

  it('answers repeat requests from memory with exactly the headers the planner gives', async () => {
    // The first two fill the small-file cache; the third is answered from it. A request with
    // a precondition that holds always goes through the planner: the headers must not differ.
    for (let i = 0; i < 3; i++) await (await fetch(url('/apps/App.ipa'))).arrayBuffer();
    const cached = await fetch(url('/apps/App.ipa'));
    const planned = await fetch(url('/apps/App.ipa'), { headers: { 'if-none-match': '"other"' } });
    expect(planned.status).toBe(200);
    expect(stableHeaders(cached)).toEqual(stableHeaders(planned));
    expect(await cached.text()).toBe(await planned.text());
    const head = await fetch(url('/apps/App.ipa'), { method: 'HEAD' });
    expect(stableHeaders(head)).toEqual(stableHeaders(planned));
  });

  it('answers HEAD with the same headers and no body', async () => {
    const res = await fetch(url('/apps/App.ipa'), { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('20');
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('serves larger files (streamed) byte-identical', async () => {
    const res = await fetch(url('/Big.pkg'));
    const body = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(
      createHash('sha256').update(big).digest('hex'),
    );
  });

  it('accepts Authorization: Bearer', async () => {
    const res = await fetch(url('/apps/App.ipa', null), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
  });

  it('serves awkward names exactly as spelled (spaces, NFC vs NFD, dots inside names)', async () => {
    expect(await (await fetch(url('/apps/My%20App%20(1).ipa'))).text()).toBe('spaces');
    expect(await (await fetch(url('/caf%C3%A9.epub'))).text()).toBe('nfc');
    expect(await (await fetch(url('/cafe%CC%81.epub'))).text()).toBe('nfd');
    expect(await (await fetch(url('/a..b.pkg'))).text()).toBe('dots');
  });

  it('uses the Apple content types', async () => {
    expect((await fetch(url('/manifest.plist'))).headers.get('content-type')).toBe(
      'application/xml',
    );
    expect((await fetch(url('/caf%C3%A9.epub'))).headers.get('content-type')).toBe(
      'application/epub+zip',
    );
  });

  it('follows a symlink that stays inside the root', async () => {
    expect(await (await fetch(url('/alias.ipa'))).text()).toBe('ipa-bytes-0123456789');
  });
});

describe('ranges and conditionals over HTTP', () => {
  it('serves one range with 206', async () => {
    const res = await fetch(url('/Big.pkg'), { headers: { range: 'bytes=100000-100009' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 100000-100009/${big.length}`);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(big.subarray(100000, 100010));
  });

  it('answers 416 with bytes */len', async () => {
    const res = await fetch(url('/apps/App.ipa'), { headers: { range: 'bytes=50-' } });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe('bytes */20');
    expect((await res.json()).code).toBe('RANGE_NOT_SATISFIABLE');
  });

  it('does not amplify a thousand overlapping ranges', async () => {
    const res = await fetch(url('/Big.pkg'), {
      headers: { range: `bytes=${Array(1000).fill('0-0').join(',')}` },
    });
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(big.length);
  });

  it('answers 304 for a matching If-None-Match and 412 for a failing If-Match', async () => {
    const first = await fetch(url('/apps/App.ipa'));
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    const notModified = await fetch(url('/apps/App.ipa'), { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    const failed = await fetch(url('/apps/App.ipa'), { headers: { 'if-match': '"other"' } });
    expect(failed.status).toBe(412);
    expect((await failed.json()).code).toBe('PRECONDITION_FAILED');
  });
});

describe('refusals', () => {
  it('answers 401 TOKEN_MISSING with a bare Bearer challenge (RFC 6750 §3.1)', async () => {
    const res = await fetch(url('/apps/App.ipa', null));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="portcullis"');
    expect(await res.json()).toEqual({
      error: 'invalid_token',
      code: 'TOKEN_MISSING',
      message: expect.any(String),
    });
  });

  it('answers 401 with error="invalid_token" for a token signed by another key', async () => {
    const res = await fetch(url('/apps/App.ipa', sign(other)));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="portcullis", error="invalid_token", error_description="[^"]+"$/,
    );
    expect((await res.json()).code).toBe('SIGNATURE_INVALID');
  });

  it.each([
    [
      'expired',
      () => sign(key, { expiresIn: 60, now: Math.floor(Date.now() / 1000) - 3600 }),
      'TOKEN_EXPIRED',
    ],
    ['malformed', () => 'not.a.jwt', 'TOKEN_MALFORMED'],
    ['wrong subject', () => sign(key, { subject: 'Other' }), 'CLAIM_INVALID'],
  ])('refuses a %s token with its code', async (_n, make, code) => {
    const res = await fetch(url('/apps/App.ipa', make()));
    expect(res.status).toBe(401);
    expect((await res.json()).code).toBe(code);
  });

  it('refuses a request that carries two tokens', async () => {
    const res = await fetch(`${url('/apps/App.ipa')}&token=${token}`);
    expect((await res.json()).code).toBe('TOKEN_MALFORMED');
  });

  it('gives byte-identical 401s for an existing file, a missing file and a directory', async () => {
    const bad = sign(other);
    const answers = await Promise.all(
      ['/apps/App.ipa', '/apps/Nope.ipa', '/apps/', '/escape.txt'].map(async (p) => {
        const res = await fetch(url(p, bad));
        return { status: res.status, headers: stableHeaders(res), body: await res.text() };
      }),
    );
    for (const a of answers) expect(a).toEqual(answers[0]);
    const missing = await Promise.all(
      ['/apps/App.ipa', '/apps/Nope.ipa'].map(async (p) => {
        const res = await fetch(url(p, null));
        return { status: res.status, headers: stableHeaders(res), body: await res.text() };
      }),
    );
    expect(missing[0]).toEqual(missing[1]);
  });

  it('answers 404 only after the token verified: missing files, directories, special names', async () => {
    for (const p of [
      '/apps/Nope.ipa',
      '/apps/',
      '/apps',
      '/',
      '/escape.txt',
      '/escape-dir/outside.txt',
    ]) {
      const res = await fetch(url(p));
      expect([p, res.status]).toEqual([p, 404]);
      expect((await res.json()).code).toBe('NOT_FOUND');
    }
  });

  it('refuses path attacks with 400 PATH_REJECTED before looking at the token', async () => {
    const attacks = [
      '/.env',
      '/.git/config',
      '/%2e%2e/outside.txt',
      '/apps/../../outside.txt',
      '/apps/..%2f..%2foutside.txt',
      '/%252e%252e/x',
      '/a%5cb',
      '/a\\b',
      '/x%00.txt',
      '/%c0%ae%c0%ae/x',
      '//outside.txt',
    ];
    for (const p of attacks) {
      const res = await rawGet(p);
      expect([p, res.status]).toEqual([p, 400]);
      expect(JSON.parse(res.body).code).toBe('PATH_REJECTED');
    }
  });

  it('answers 405 with Allow for other methods', async () => {
    const res = await fetch(url('/apps/App.ipa'), { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 414 for very long URLs', async () => {
    const res = await fetch(url(`/apps/App.ipa?pad=${'a'.repeat(9000)}`));
    expect(res.status).toBe(414);
    expect((await res.json()).code).toBe('URI_TOO_LONG');
  });

  it('keeps reserved paths apart from content', async () => {
    expect((await fetch(`${server.url}/_portcullis/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/_portcullis/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', keys: 1 });
    expect((await fetch(`${server.url}/_portcullis/other`)).status).toBe(404);
  });
});
