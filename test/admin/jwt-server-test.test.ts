/**
 * POST /api/v1/jwt-servers/{id}/test — the admin's "Test connection": a real JWKS served over HTTP
 * on 127.0.0.1 (good, down, redirecting, oversized, not a JWK set, slow), a shared-secret server,
 * and pasted tokens that pass or fail each check of the server's policy. The report names the
 * check by a stable code; the token is never logged, stored or echoed; only admins may test.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdminFixture,
  addAccount,
  adminFixture,
  bearer,
  login,
  problemOf,
} from './helpers.js';

let fx: AdminFixture;
let admin: string;
let reader: string;
let jwks: Server;
let base = '';
let rsaKey: CryptoKey;
let published: JWK[] = [];
const logLines: string[] = [];
const jwksLog: string[] = [];
const sharedSecret = randomBytes(32).toString('base64url');
const ISS = 'https://idp.example.test';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

async function sign(
  claims: Record<string, unknown>,
  opts: {
    key?: CryptoKey | Uint8Array;
    alg?: string;
    kid?: string;
    iat?: number;
    exp?: number;
  } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: ISS, aud: 'portcullis', sub: 'deploy-bot', ...claims })
    .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? 'rsa-1' })
    .setIssuedAt(opts.iat ?? now)
    .setExpirationTime(opts.exp ?? now + 300)
    .sign(opts.key ?? rsaKey);
}

async function addServer(payload: Record<string, unknown>): Promise<string> {
  const res = await fx.app.inject({
    method: 'POST',
    url: '/api/v1/jwt-servers',
    headers: bearer(admin),
    payload: { audience: 'portcullis', ...payload },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json().id;
}

async function test(id: string, body: Record<string, unknown> = {}, token = admin) {
  return fx.app.inject({
    method: 'POST',
    url: `/api/v1/jwt-servers/${id}/test`,
    headers: bearer(token),
    payload: body,
  });
}

beforeAll(async () => {
  const stream = { write: (line: string) => void logLines.push(line) };
  fx = await adminFixture({
    logger: pino({ level: 'trace' }, stream),
    jwks: {
      timeoutMs: 400,
      maxBytes: 4096,
      logger: { warn: (d, m) => void jwksLog.push(JSON.stringify([d, m])) },
    },
  });
  await addAccount(fx.store, 'alice', 'admin');
  await addAccount(fx.store, 'rita', 'read-only');
  admin = await login(fx.app, 'alice');
  reader = await login(fx.app, 'rita');
  rsaKey = (await generateKeyPair('RS256', { extractable: true })).privateKey;
  const ec = (await generateKeyPair('ES256', { extractable: true })).privateKey;
  const full = { ...(await exportJWK(rsaKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
  const { d, p, q, dp, dq, qi, ...pub } = full;
  const ecPub = { ...(await exportJWK(ec)), kid: 'ec-1', alg: 'ES256', use: 'sig' };
  delete ecPub.d;
  published = [pub, ecPub];
  jwks = createServer((req, res) => {
    const json = (body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/jwks') return void json({ keys: published });
    // A JWKS that carelessly publishes the private members: the report must not repeat them.
    if (req.url === '/leaky') return void json({ keys: [full] });
    if (req.url === '/broken') return void res.writeHead(500).end('internal detail');
    if (req.url === '/redirect') return void res.writeHead(302, { location: `${base}/jwks` }).end();
    if (req.url === '/html') return void res.writeHead(200).end('<html>secret page</html>');
    if (req.url === '/not-a-set') return void json({ hello: 'world' });
    if (req.url === '/symmetric') return void json({ keys: [{ kty: 'oct', k: 'AAAA', kid: 'h' }] });
    if (req.url === '/huge') return void json({ keys: published, pad: 'x'.repeat(10_000) });
    if (req.url === '/slow') return; // never answers: the deadline must end the test
    res.writeHead(404).end();
  });
  base = await listen(jwks);
});

afterAll(async () => {
  await fx.close();
  jwks.closeAllConnections();
  await new Promise((r) => jwks.close(r));
});

describe('POST /api/v1/jwt-servers/{id}/test', () => {
  it('lists the keys a working JWKS offers, and accepts a good token as the mapped principal', async () => {
    const id = await addServer({
      name: 'IdP',
      issuer: ISS,
      jwksUrl: `${base}/jwks`,
      role: 'read-only',
      requiredClaims: { environment: 'production' },
    });
    const keysOnly = await test(id);
    expect(keysOnly.statusCode).toBe(200);
    expect(keysOnly.json()).toMatchObject({
      keys: {
        ok: true,
        source: 'jwks',
        code: 'JWKS_OK',
        keys: [
          { kid: 'rsa-1', kty: 'RSA', alg: 'RS256', usable: true },
          { kid: 'ec-1', kty: 'EC', alg: 'ES256', usable: true },
        ],
      },
      token: null,
    });
    const token = await sign({ environment: 'production' });
    const res = await test(id, { token });
    expect(res.json().token).toMatchObject({
      accepted: true,
      code: 'TOKEN_ACCEPTED',
      principal: { username: 'jwt-server:IdP/deploy-bot', role: 'read-only' },
    });
    expect(res.body).not.toContain(token);
  });

  it('names the check a refused token fails, by a stable code', async () => {
    const id = await addServer({
      name: 'Checks',
      issuer: `${ISS}/checks`,
      jwksUrl: `${base}/jwks`,
      role: 'admin',
      requiredClaims: { environment: 'production' },
      maxTokenLifetimeSeconds: 600,
    });
    const good = { iss: `${ISS}/checks`, environment: 'production' };
    const now = Math.floor(Date.now() / 1000);
    const other = (await generateKeyPair('RS256')).privateKey;
    const cases: Array<[string, Promise<string> | string]> = [
      ['AUDIENCE_MISMATCH', sign({ ...good, aud: 'someone-else' })],
      ['ISSUER_MISMATCH', sign({ ...good, iss: 'https://evil.example' })],
      ['REQUIRED_CLAIM_MISMATCH', sign({ ...good, environment: 'staging' })],
      ['TOKEN_EXPIRED', sign(good, { iat: now - 500, exp: now - 200 })],
      ['LIFETIME_TOO_LONG', sign(good, { exp: now + 3600 })],
      ['ISSUED_IN_FUTURE', sign(good, { iat: now + 600, exp: now + 700 })],
      ['KEY_NOT_FOUND', sign(good, { key: other, kid: 'rsa-9' })],
      ['SIGNATURE_INVALID', sign(good, { key: other })],
      [
        'ALGORITHM_NOT_ALLOWED',
        sign(good, { key: new TextEncoder().encode(JSON.stringify(published[0])), alg: 'HS256' }),
      ],
      ['USERNAME_CLAIM_UNUSABLE', sign({ ...good, sub: 'line\nbreak' })],
      ['TOKEN_MALFORMED', 'not.a.jwt'],
      [
        'ALGORITHM_NOT_ALLOWED',
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
          JSON.stringify({ ...good, aud: 'portcullis', sub: 'x', iat: now, exp: now + 60 }),
        ).toString('base64url')}.`,
      ],
    ];
    for (const [code, pending] of cases) {
      const token = await pending;
      const res = await test(id, { token });
      expect(res.statusCode, code).toBe(200);
      expect(res.json().token, code).toMatchObject({ accepted: false, code, principal: null });
      expect(res.body).not.toContain(token);
    }
  });

  it('says a disabled server would refuse a token that passes every check', async () => {
    const id = await addServer({
      name: 'Off',
      issuer: `${ISS}/off`,
      jwksUrl: `${base}/jwks`,
      role: 'read-only',
      enabled: false,
    });
    const res = await test(id, { token: await sign({ iss: `${ISS}/off` }) });
    expect(res.json().token).toMatchObject({
      accepted: false,
      code: 'SERVER_DISABLED',
      principal: { username: 'jwt-server:Off/deploy-bot' },
    });
  });

  it('reports JWKS URLs that fail, within the fetch deadline and byte cap, without their bodies', async () => {
    const expectations: Array<[string, string, RegExp]> = [
      ['/broken', 'JWKS_UNREACHABLE', /HTTP 500/],
      ['/redirect', 'JWKS_UNREACHABLE', /HTTP 302/],
      ['/html', 'JWKS_UNREACHABLE', /not JSON/],
      ['/huge', 'JWKS_UNREACHABLE', /cap/],
      ['/slow', 'JWKS_UNREACHABLE', /400 ms/],
      ['/not-a-set', 'JWKS_INVALID', /not a JWK set/],
      ['/symmetric', 'JWKS_NO_USABLE_KEY', /no RSA or P-256/],
    ];
    for (const [path, code, message] of expectations) {
      const id = await addServer({
        name: `Bad ${path.slice(1)}`,
        issuer: `${ISS}${path}`,
        jwksUrl: `${base}${path}`,
      });
      const started = Date.now();
      const res = await test(id, { token: await sign({ iss: `${ISS}${path}` }) });
      expect(Date.now() - started, path).toBeLessThan(3000);
      const body = res.json();
      expect(body.keys, path).toMatchObject({ ok: false, code });
      expect(body.keys.message, path).toMatch(message);
      // The token is not judged against keys that do not work: one clear cause.
      expect(body.token, path).toMatchObject({ accepted: false, code });
      expect(res.body).not.toContain('internal detail');
      expect(res.body).not.toContain('secret page');
    }
  });

  it('never repeats private key members a careless JWKS publishes', async () => {
    const id = await addServer({ name: 'Leaky', issuer: `${ISS}/leaky`, jwksUrl: `${base}/leaky` });
    const res = await test(id);
    expect(res.json().keys.keys).toEqual([
      { kid: 'rsa-1', kty: 'RSA', alg: 'RS256', usable: true },
    ]);
    expect(res.body).not.toMatch(/"(d|p|q|dp|dq|qi|n|e)"/);
  });

  it('checks a shared-secret server: the secret decrypts, HS256 tokens are judged', async () => {
    const id = await addServer({
      name: 'Script',
      issuer: 'script-runner',
      sharedSecret,
      role: 'read-only',
    });
    expect((await test(id)).json().keys).toMatchObject({
      ok: true,
      source: 'shared-secret',
      code: 'SECRET_OK',
      keys: [],
    });
    const key = new TextEncoder().encode(sharedSecret);
    const good = await sign({ iss: 'script-runner' }, { key, alg: 'HS256' });
    expect((await test(id, { token: good })).json().token).toMatchObject({
      accepted: true,
      principal: { username: 'jwt-server:Script/deploy-bot', role: 'read-only' },
    });
    const wrong = randomBytes(32);
    const bad = await sign({ iss: 'script-runner' }, { key: wrong, alg: 'HS256' });
    expect((await test(id, { token: bad })).json().token.code).toBe('SIGNATURE_INVALID');
    const rs = await sign({ iss: 'script-runner' });
    expect((await test(id, { token: rs })).json().token.code).toBe('ALGORITHM_NOT_ALLOWED');
    expect(JSON.stringify((await test(id)).json())).not.toContain(sharedSecret);
  });

  it('is for admins only, refuses unknown ids and oversized tokens with stable codes', async () => {
    const id = await addServer({ name: 'Roles', issuer: `${ISS}/roles`, jwksUrl: `${base}/jwks` });
    expect(problemOf(await test(id, {}, reader))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const anonymous = await fx.app.inject({
      method: 'POST',
      url: `/api/v1/jwt-servers/${id}/test`,
      payload: {},
    });
    expect(problemOf(anonymous)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(problemOf(await test('00000000-0000-0000-0000-000000000000'))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    const huge = await test(id, { token: 'a'.repeat(20_000) });
    expect(problemOf(huge)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(huge.body).not.toContain('a'.repeat(100));
    expect(problemOf(await test(id, { token: 'x', url: 'http://169.254.169.254/' }))).toMatchObject(
      { status: 400, code: 'VALIDATION_FAILED' },
    );
  });

  it('never logs or records a tested token, and changes nothing', async () => {
    const id = await addServer({ name: 'Quiet', issuer: `${ISS}/quiet`, jwksUrl: `${base}/jwks` });
    const before = await fx.store.changes.query({ limit: 1000 });
    const token = await sign({ iss: `${ISS}/quiet`, aud: 'wrong' });
    await test(id, { token });
    const after = await fx.store.changes.query({ limit: 1000 });
    expect(after.items.length).toBe(before.items.length);
    const everything = [...logLines, ...jwksLog, JSON.stringify(after.items)].join('\n');
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.split('.')[2]);
  });
});
