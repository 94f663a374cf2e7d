/**
 * Issue 10 §9: hostile JWKS servers on 127.0.0.1 against the external JWT verifier, through the
 * admin API as an anonymous caller would reach it. The whole fetch (headers and body) has one
 * deadline, the body a byte cap, a failed fetch is remembered (many requests naming a failing
 * issuer cost one outbound fetch, concurrent ones included), and the caller always gets the same
 * generic 401 that names neither the issuer nor the IdP's state.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminFixture, addAccount, adminFixture, bearer, login } from './helpers.js';

const TIMEOUT_MS = 800;
let fx: AdminFixture;
let hostile: Server;
let base: string;
let rsaKey: CryptoKey;
const hits: Record<string, number> = {};
const sent: Record<string, number> = {};
const closed: Record<string, boolean> = {};
const open = new Set<ServerResponse>();

/** Writes 64 KiB chunks as fast as the client takes them, until it goes away. */
function flood(res: ServerResponse, name: string): void {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const pump = () => {
    while (!res.destroyed) {
      sent[name] = (sent[name] ?? 0) + chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
  };
  pump();
}

beforeAll(async () => {
  hostile = createServer((req, res) => {
    const name = (req.url ?? '').slice(1);
    hits[name] = (hits[name] ?? 0) + 1;
    open.add(res);
    res.once('close', () => {
      closed[name] = true;
      open.delete(res);
    });
    if (name === 'fail') return void res.writeHead(500).end('IdP internal detail: db down');
    if (name === 'slow-body') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[');
      const timer = setInterval(() => res.write(' '), 100);
      res.once('close', () => clearInterval(timer));
      return;
    }
    if (name === 'huge') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[], "pad":"');
      return flood(res, name);
    }
    if (name === 'huge-declared') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '300000000' });
      return flood(res, name);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
  fx = await adminFixture({ jwks: { timeoutMs: TIMEOUT_MS } });
  await addAccount(fx.store, 'alice', 'admin');
  const admin = bearer(await login(fx.app, 'alice'));
  for (const name of ['fail', 'slow-body', 'huge', 'huge-declared']) {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/jwt-servers',
      headers: admin,
      payload: {
        name: `IdP ${name}`,
        issuer: `https://${name}.idp.test`,
        jwksUrl: `${base}/${name}`,
        audience: 'a',
      },
    });
    expect(res.statusCode).toBe(201);
  }
  rsaKey = (await generateKeyPair('RS256')).privateKey;
}, 60_000);

afterAll(async () => {
  for (const res of open) res.destroy();
  await new Promise((r) => hostile?.close(r));
  await fx?.close();
});

async function tokenFor(name: string): Promise<string> {
  return new SignJWT({ iss: `https://${name}.idp.test`, aud: 'a', sub: 'u' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setExpirationTime('5m')
    .sign(rsaKey);
}

/** An anonymous request with the token; resolves with the answer and how long it took. */
async function call(token: string) {
  const started = performance.now();
  const res = await fx.app.inject({ method: 'GET', url: '/api/v1/auth', headers: bearer(token) });
  return { status: res.statusCode, body: res.body, ms: performance.now() - started };
}

const GENERIC_BODY = (body: string) => JSON.parse(body) as { code: string; detail: string };

describe('hostile JWKS servers', () => {
  it('a body that trickles in forever is cut at the deadline (headers arrived at once)', async () => {
    const res = await call(await tokenFor('slow-body'));
    expect(res.status).toBe(401);
    expect(res.ms).toBeLessThan(TIMEOUT_MS + 1500);
    expect(res.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    await expect.poll(() => closed['slow-body']).toBe(true);
  });

  it('an endless body is abandoned past the byte cap, long before the deadline', async () => {
    const res = await call(await tokenFor('huge'));
    expect(res.status).toBe(401);
    expect(res.ms).toBeLessThan(TIMEOUT_MS);
    await expect.poll(() => closed.huge).toBe(true);
    // 256 KiB cap, plus what sat in socket buffers when the client walked away.
    expect(sent.huge).toBeLessThan(16 * 1024 * 1024);
  });

  it('a declared length over the cap is refused without reading the body', async () => {
    const res = await call(await tokenFor('huge-declared'));
    expect(res.status).toBe(401);
    await expect.poll(() => closed['huge-declared']).toBe(true);
    expect(sent['huge-declared'] ?? 0).toBeLessThan(16 * 1024 * 1024);
  });

  it('40 requests naming a failing issuer, half of them at once, cost one outbound fetch', async () => {
    const token = await tokenFor('fail');
    const together = await Promise.all(Array.from({ length: 20 }, () => call(token)));
    const oneByOne = [];
    for (let i = 0; i < 20; i++) oneByOne.push(await call(token));
    expect(hits.fail).toBe(1);
    for (const r of [...together, ...oneByOne]) expect(r.status).toBe(401);
    // Later ones are answered from the failure cache: no wait on the IdP.
    expect(Math.max(...oneByOne.map((r) => r.ms))).toBeLessThan(200);
  });

  it('answers every anonymous refusal the same way: no issuer name, no IdP state', async () => {
    const bodies = new Set<string>();
    for (const name of ['fail', 'slow-body', 'huge', 'huge-declared', 'not-configured']) {
      const res = await call(await tokenFor(name));
      expect(res.status).toBe(401);
      expect(GENERIC_BODY(res.body).code).toBe('UNAUTHENTICATED');
      expect(res.body).not.toMatch(/idp|IdP|500|timed|cap|fetch/i);
      bodies.add(res.body);
    }
    expect(bodies.size).toBe(1);
  });
});
