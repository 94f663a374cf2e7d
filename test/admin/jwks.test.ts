/**
 * The JWKS content extension on the real content listener: enabled configurations only, caching
 * headers, conditional requests, HEAD, other methods refused in the listener's one refusal
 * shape, and paths next to it left to the listener's own rules.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWKS_PATH, jwksExtension } from '../../src/admin/jwks-extension.js';
import { type RunningServer, startServer } from '../../src/app/serve.js';
import { storeKeySource } from '../../src/store/key-source.js';
import { type AdminFixture, addAccount, adminFixture, bearer, login } from './helpers.js';

let fx: AdminFixture;
let server: RunningServer;
let base: string;
let token: string;
const root = mkdtempSync(join(tmpdir(), 'portcullis-jwks-'));

beforeAll(async () => {
  fx = await adminFixture();
  await addAccount(fx.store, 'alice', 'admin');
  token = await login(fx.app, 'alice');
  server = await startServer({
    root,
    keySource: storeKeySource(fx.store),
    contentExtensions: [jwksExtension(fx.store)],
    host: '127.0.0.1',
    port: 0,
    admin: false,
    workers: 1,
    logLevel: 'silent',
  });
  base = server.url;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterAll(async () => {
  await server?.close();
  await fx?.close();
});

async function create(displayName: string, enabled: boolean): Promise<{ id: string; kid: string }> {
  const res = await fx.app.inject({
    method: 'POST',
    url: '/api/v1/jwt-configurations',
    headers: bearer(token),
    payload: { displayName, enabled },
  });
  return res.json();
}

describe('/.well-known/jwks.json', () => {
  it('lists enabled configurations only, with cache headers, and follows changes', async () => {
    const empty = await fetch(`${base}${JWKS_PATH}`);
    expect(empty.status).toBe(200);
    expect(empty.headers.get('content-type')).toBe('application/jwk-set+json');
    expect(empty.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await empty.json()).toEqual({ keys: [] });
    const on = await create('On', true);
    await create('Off', false);
    const res = await fetch(`${base}${JWKS_PATH}`);
    const body = (await res.json()) as {
      keys: Array<{ kid: string; alg: string; use: string; d?: string }>;
    };
    expect(body.keys.map((k) => [k.kid, k.alg, k.use])).toEqual([[on.kid, 'RS256', 'sig']]);
    expect(body.keys[0]?.d).toBeUndefined();
  });

  it('answers If-None-Match with 304 and HEAD without a body', async () => {
    const first = await fetch(`${base}${JWKS_PATH}`);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(
      (await fetch(`${base}${JWKS_PATH}`, { headers: { 'if-none-match': etag } })).status,
    ).toBe(304);
    const head = await fetch(`${base}${JWKS_PATH}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('refuses other methods with 405 and leaves other paths to the server', async () => {
    const post = await fetch(`${base}${JWKS_PATH}`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await post.json()).toEqual({
      error: 'method_not_allowed',
      code: 'METHOD_NOT_ALLOWED',
      message: 'Only GET and HEAD are allowed.',
    });
    // Not the extension's: the listener's dotfile rule refuses it like any content path.
    const next = await fetch(`${base}/.well-known/jwks.json.bak`);
    expect(next.status).toBe(400);
    expect(((await next.json()) as { code: string }).code).toBe('PATH_REJECTED');
  });
});
