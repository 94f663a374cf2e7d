/**
 * Console tools on the admin API: the token inspector, the distribution-point probe (against a
 * real HTTP server on 127.0.0.1 that checks tokens with the configuration's public key) and the
 * readiness check the dashboard shows.
 */
import { createPublicKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeVerifier } from '../../src/token/node.js';
import {
  type AdminFixture,
  addAccount,
  adminFixture,
  bearer,
  login,
  problemOf,
} from './helpers.js';

let fx: AdminFixture;
let adminToken: string;
let readerToken: string;
let configId: string;
let signedUrl: string;
let dp: Server;
let dpUrl: string;

/** A minimal distribution point: 200 + bytes for a valid token, 401 otherwise. */
function startDistributionPoint(publicKeyPem: string): Promise<Server> {
  const verifier = createNodeVerifier([{ key: createPublicKey(publicKeyPem) }]);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/_portcullis/readyz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready","keys":1}');
      return;
    }
    try {
      verifier.verify(url.searchParams.get('token') ?? '');
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('APP-BYTES');
    } catch (err) {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ code: (err as { code?: string }).code }));
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  // Port 9 (discard) is closed on loopback: the health check must report it as unreachable.
  fx = await adminFixture({ publicUrl: 'http://127.0.0.1:9' });
  await addAccount(fx.store, 'admin', 'admin');
  await addAccount(fx.store, 'reader', 'read-only');
  adminToken = await login(fx.app, 'admin');
  readerToken = await login(fx.app, 'reader');
  const created = await fx.app.inject({
    method: 'POST',
    url: '/api/v1/jwt-configurations',
    headers: bearer(adminToken),
    payload: {
      displayName: 'Tools test',
      key: { generate: { bits: 2048 } },
      tokenExpiry: '15m',
      enabled: true,
    },
  });
  expect(created.statusCode).toBe(201);
  configId = created.json().id;
  dp = await startDistributionPoint(created.json().publicKeyPem);
  dpUrl = `http://127.0.0.1:${(dp.address() as AddressInfo).port}`;
  const signed = await fx.app.inject({
    method: 'POST',
    url: `/api/v1/jwt-configurations/${configId}/signed-urls`,
    headers: bearer(adminToken),
    payload: { url: `${dpUrl}/apps/App.ipa` },
  });
  signedUrl = signed.json().url;
});

afterAll(async () => {
  await new Promise((resolve) => dp?.close(resolve));
  await fx?.close();
});

const inspect = (payload: Record<string, unknown>, token = adminToken) =>
  fx.app.inject({ method: 'POST', url: '/api/v1/tools/inspect', headers: bearer(token), payload });

describe('POST /api/v1/tools/inspect', () => {
  it('explains a valid signed URL check by check and never echoes the token', async () => {
    const res = await inspect({ url: signedUrl, configurationId: configId });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.valid).toBe(true);
    expect(body.header).toEqual({ alg: 'RS256' });
    expect(body.claims).toMatchObject({ sub: 'AppManifest', iss: 'JSS' });
    expect(body.checks.find((c: { name: string }) => c.name === 'signature').ok).toBe(true);
    const token = new URL(signedUrl).searchParams.get('token')!;
    expect(res.body).not.toContain(token);
  });

  it('reports a tampered signature as SIGNATURE_INVALID with 200 (a report, not a refusal)', async () => {
    const token = new URL(signedUrl).searchParams.get('token')!;
    const [h, p, s] = token.split('.');
    const flipped = `${h}.${p}.${s!.startsWith('A') ? `B${s!.slice(1)}` : `A${s!.slice(1)}`}`;
    const res = await inspect({ token: flipped });
    expect(res.statusCode).toBe(200);
    const sig = res.json().checks.find((c: { name: string }) => c.name === 'signature');
    expect(sig).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
    expect(res.json().valid).toBe(false);
  });

  it('reports garbage as a failed structure check', async () => {
    const res = await inspect({ token: 'not-a-token' });
    expect(res.statusCode).toBe(200);
    expect(res.json().checks[0]).toMatchObject({ name: 'structure', ok: false });
  });

  it('a URL without a token is a 400 field error on url (never a 401 that would sign the user out)', async () => {
    const res = await inspect({ url: 'https://dp.example.test/apps/App.ipa' });
    expect(problemOf(res)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(res.json().errors).toEqual([expect.objectContaining({ path: 'url' })]);
  });

  it('refuses both or neither of token and url, and unknown fields', async () => {
    expect(problemOf(await inspect({ token: 'a.b.c', url: signedUrl })).status).toBe(400);
    expect(problemOf(await inspect({})).status).toBe(400);
    expect(problemOf(await inspect({ token: 'a.b.c', extra: 1 })).status).toBe(400);
  });

  it('an unknown configuration is 404', async () => {
    expect(problemOf(await inspect({ url: signedUrl, configurationId: 'nope' }))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
  });

  it('read-only users may inspect; signed-out callers may not', async () => {
    expect((await inspect({ url: signedUrl }, readerToken)).statusCode).toBe(200);
    const anon = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/tools/inspect',
      payload: { token: 'x' },
    });
    expect(problemOf(anon).status).toBe(401);
  });
});

describe('POST /api/v1/tools/probe', () => {
  const probe = (payload: Record<string, unknown>, token = adminToken) =>
    fx.app.inject({ method: 'POST', url: '/api/v1/tools/probe', headers: bearer(token), payload });

  it('probes a real distribution point: hostile tokens refused, the valid one served', async () => {
    const res = await probe({ url: `${dpUrl}/apps/App.ipa`, configurationId: configId });
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report.ok).toBe(true);
    expect(report.summary.failed).toBe(0);
    const valid = report.results.find((r: { expected: string }) => r.expected === 'allowed');
    expect(valid).toMatchObject({ status: 200, verdict: 'pass' });
    expect(res.body).not.toContain('APP-BYTES');
  });

  it('is for admins only', async () => {
    expect(
      problemOf(await probe({ url: `${dpUrl}/a`, configurationId: configId }, readerToken)).status,
    ).toBe(403);
  });

  it('refuses a non-http URL with a field error', async () => {
    const res = await probe({ url: 'file:///etc/passwd', configurationId: configId });
    expect(problemOf(res)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(res.json().errors[0].path).toBe('url');
  });
});

describe('GET /api/v1/tools/health', () => {
  it('reports an unreachable content listener as not ready without throwing', async () => {
    const res = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/tools/health',
      headers: bearer(readerToken),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: false, status: 0 });
  });

  it('reports readyz of a live content listener', async () => {
    const live = await adminFixture({ publicUrl: dpUrl });
    try {
      await addAccount(live.store, 'admin', 'admin');
      const token = await login(live.app, 'admin');
      const res = await live.app.inject({
        method: 'GET',
        url: '/api/v1/tools/health',
        headers: bearer(token),
      });
      expect(res.json()).toMatchObject({
        ok: true,
        status: 200,
        checks: { status: 'ready', keys: 1 },
      });
    } finally {
      await live.close();
    }
  });
});
