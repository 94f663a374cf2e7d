/**
 * The JWKS content extension over a real HTTP server: enabled configurations only, caching
 * headers, conditional requests, HEAD, other methods refused, other paths left alone.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWKS_PATH, jwksExtension } from '../../src/admin/jwks-extension.js';
import { type AdminFixture, addAccount, adminFixture, bearer, login } from './helpers.js';

let fx: AdminFixture;
let server: Server;
let base: string;
let token: string;

beforeAll(async () => {
  fx = await adminFixture();
  await addAccount(fx.store, 'alice', 'admin');
  token = await login(fx.app, 'alice');
  const ext = jwksExtension(fx.store);
  server = createServer(async (req, res) => {
    const handled = await ext.handle(
      req,
      res,
      new URL(req.url ?? '/', 'http://x').pathname,
      () => {},
    );
    if (!handled) res.writeHead(418).end('not mine');
  });
  base = await new Promise((r) =>
    server.listen(0, '127.0.0.1', () =>
      r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await fx.close();
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
    expect((await fetch(`${base}/.well-known/jwks.json.bak`)).status).toBe(418);
  });
});
