/**
 * The Worker bundle in workerd (miniflare) against a real origin on 127.0.0.1: what a device and
 * the origin see for valid, refused and ranged downloads. Nothing is mocked.
 */
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveRefusal, tokenRefusal } from '../../src/server/respond.js';
import { craftHs256 } from '../token/helpers.js';
import {
  buildBundle,
  FILE,
  jamfToken,
  keyFile,
  nowSeconds,
  type OriginLog,
  startOrigin,
  startWorker,
  tempDir,
} from './helpers.js';

const dir = tempDir();
const trusted = keyFile(dir, 'jamf.pem');
const foreign = keyFile(dir, 'other.pem');
let mf: Miniflare;
let origin: Awaited<ReturnType<typeof startOrigin>>;

beforeAll(async () => {
  origin = await startOrigin();
  const built = await buildBundle('cloudflare', { key: [trusted.path], origin: `${origin.url}/` });
  mf = await startWorker(built.bundle);
});
afterAll(async () => {
  await mf?.dispose();
  origin?.server.close();
});

const edge = (path: string, init?: RequestInit) =>
  mf.dispatchFetch(`https://dp.example${path}`, init as never);
const lastOrigin = (): OriginLog | undefined => origin.log.at(-1);

/** Headers the listener sets on a refusal, minus those the transport recomputes. */
function refusalHeaders(res: {
  headers: { forEach(cb: (value: string, name: string) => void): void };
}): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (
      !['content-length', 'transfer-encoding', 'mf-content-encoding', 'content-encoding'].includes(
        name,
      )
    )
      out[name] = value;
  });
  return out;
}
function listenerHeaders(headers: Record<string, string>): Record<string, string> {
  const { 'content-length': _, ...rest } = headers;
  return rest;
}

describe('Worker: valid tokens', () => {
  it('streams the file, strips the token and keeps the other parameters', async () => {
    const before = origin.log.length;
    const res = await edge(`/apps/My%20App.ipa?a=1&token=${jamfToken(trusted.privateKey)}&b=%20`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(FILE);
    expect(res.headers.get('cache-control')).toBe('private, no-store, no-transform');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(origin.log.length).toBe(before + 1);
    expect(lastOrigin()!.url).toBe('/apps/My%20App.ipa?a=1&b=%20');
  });

  it('passes Range through (206 with Content-Range) and maps an unsatisfiable range to the listener 416', async () => {
    const token = jamfToken(trusted.privateKey);
    const res = await edge(`/apps/A.ipa?token=${token}`, { headers: { range: 'bytes=10-19' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 10-19/${FILE.length}`);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(FILE.subarray(10, 20));
    expect(lastOrigin()!.headers.range).toBe('bytes=10-19');
    const beyond = await edge(`/apps/A.ipa?token=${token}`, {
      headers: { range: 'bytes=999999-1000000' },
    });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${FILE.length}`);
    expect(await beyond.text()).toBe(serveRefusal('RANGE_NOT_SATISFIABLE').body.toString());
  });

  it('passes validators through (304) and forwards only the allow-listed request headers', async () => {
    const res = await edge(`/apps/A.ipa?token=${jamfToken(trusted.privateKey)}`, {
      headers: { 'if-none-match': '"v1"', cookie: 'session=secret', authorization: 'Basic eDp5' },
    });
    expect(res.status).toBe(304);
    const seen = lastOrigin()!.headers;
    expect(seen['if-none-match']).toBe('"v1"');
    expect(seen.cookie).toBeUndefined();
    expect(seen.authorization).toBeUndefined();
  });

  it('never passes the origin Set-Cookie to the device', async () => {
    const res = await edge(`/apps/A.ipa?token=${jamfToken(trusted.privateKey)}`);
    await res.arrayBuffer();
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('answers the listener 404 for an origin 404 (after the token, never before)', async () => {
    const res = await edge(`/missing.ipa?token=${jamfToken(trusted.privateKey)}`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe(serveRefusal('NOT_FOUND').body.toString());
  });
});

describe('Worker: refused tokens never reach the origin', () => {
  const now = nowSeconds();
  const cases: Array<[string, string, () => string]> = [
    ['no token', 'TOKEN_MISSING', () => ''],
    [
      'expired',
      'TOKEN_EXPIRED',
      () => `token=${jamfToken(trusted.privateKey, { exp: now - 120 })}`,
    ],
    ['foreign key', 'SIGNATURE_INVALID', () => `token=${jamfToken(foreign.privateKey)}`],
    [
      'alg none',
      'ALG_NOT_ALLOWED',
      () =>
        `token=${jamfToken(trusted.privateKey, {}, { alg: 'none' }).split('.').slice(0, 2).join('.')}.`,
    ],
    [
      'HS256 keyed with the public key',
      'ALG_NOT_ALLOWED',
      () =>
        `token=${craftHs256({ alg: 'HS256' }, { sub: 'AppManifest', iss: 'JSS', exp: now + 900 }, trusted.publicKey.export({ type: 'spki', format: 'pem' }) as string)}`,
    ],
    ['malformed', 'TOKEN_MALFORMED', () => 'token=not.a.jwt'],
    ['two tokens', 'TOKEN_MALFORMED', () => `token=${jamfToken(trusted.privateKey)}&token=x`],
    [
      'path claim for another file',
      'TOKEN_PATH_MISMATCH',
      () => `token=${jamfToken(trusted.privateKey, { path: '/apps/Other.ipa' })}`,
    ],
  ];
  it.each(cases)(
    '%s → 401 %s, byte-identical to the listener, for existing and missing paths',
    async (_, code, query) => {
      const before = origin.log.length;
      const q = query();
      const existing = await edge(`/apps/A.ipa?${q}`);
      const missing = await edge(`/no/such/file.pkg?${q}`);
      const expected = tokenRefusal(code as never);
      for (const res of [existing, missing]) {
        expect(res.status).toBe(401);
        expect(await res.text()).toBe(expected.body.toString());
        expect(refusalHeaders(res)).toEqual(listenerHeaders(expected.headers));
      }
      expect(origin.log.length).toBe(before);
    },
  );

  it('a HEAD refusal has the headers and no body', async () => {
    const res = await edge('/apps/A.ipa?token=x', { method: 'HEAD' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    expect(await res.text()).toBe('');
  });

  it('refuses other methods (405 + Allow) and unsafe paths (400) before the token, like the listener', async () => {
    const post = await edge(`/apps/A.ipa?token=${jamfToken(trusted.privateKey)}`, {
      method: 'POST',
      body: 'x',
    });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await post.text()).toBe(serveRefusal('METHOD_NOT_ALLOWED').body.toString());
    for (const path of [
      '/apps/%2Fetc',
      '/.env',
      '/apps/a%00b',
      '/apps/a%5cb',
      '/apps/%c0%ae%c0%ae/x',
    ]) {
      const res = await edge(`${path}?token=${jamfToken(trusted.privateKey)}`);
      expect(res.status, path).toBe(400);
      expect(await res.text()).toBe(serveRefusal('PATH_REJECTED').body.toString());
    }
  });

  it('dot segments never reach the origin (the runtime resolves them inside the root first)', async () => {
    const res = await edge(`/apps/%2e%2e/%2E%2E/secret?token=${jamfToken(trusted.privateKey)}`);
    await res.arrayBuffer();
    expect(lastOrigin()!.url).toBe('/secret');
  });

  it('a path-bound token opens exactly its file', async () => {
    const res = await edge(
      `/apps/A.ipa?token=${jamfToken(trusted.privateKey, { path: '/apps/A.ipa' })}`,
    );
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });

  it('answers the listener 502 when the origin is down', async () => {
    const closed = await startOrigin();
    closed.server.close();
    const built = await buildBundle('cloudflare', { key: [trusted.path], origin: closed.url });
    const down = await startWorker(built.bundle);
    try {
      const res = await down.dispatchFetch(
        `https://dp.example/apps/A.ipa?token=${jamfToken(trusted.privateKey)}`,
      );
      expect(res.status).toBe(502);
      expect(await res.text()).toBe(serveRefusal('UPSTREAM_ERROR').body.toString());
    } finally {
      await down.dispose();
    }
  });
});
