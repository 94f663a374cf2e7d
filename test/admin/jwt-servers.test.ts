/**
 * "API access with JWT" from external issuers: a real JWKS served over HTTP on 127.0.0.1 (RS256
 * and ES256, key rotation picked up on an unknown kid), HS256 shared secrets, wrong audiences,
 * algorithm confusion, and JWKS servers that are down, slow or broken — always a 401, never a 500.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
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
let jwksServer: Server;
let jwksUrl: string;
let published: JWK[] = [];
let jwksHits = 0;
const silent: Server[] = [];
let rsaKey: CryptoKey;
let ecKey: CryptoKey;
const sharedSecret = randomBytes(32).toString('base64url');
const GENERIC = 'The bearer token was not accepted.';
const logged: Array<{ level: string; details: Record<string, unknown>; message: string }> = [];
const logger = {
  warn: (details: Record<string, unknown>, message: string) =>
    void logged.push({ level: 'warn', details, message }),
  debug: (details: Record<string, unknown>, message: string) =>
    void logged.push({ level: 'debug', details, message }),
};

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

async function signWith(
  key: CryptoKey | Uint8Array,
  alg: string,
  claims: Record<string, unknown>,
  kid?: string,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}

async function me(token: string) {
  return fx.app.inject({ method: 'GET', url: '/api/v1/auth', headers: bearer(token) });
}

async function addServer(payload: Record<string, unknown>): Promise<{ id: string }> {
  const res = await fx.app.inject({
    method: 'POST',
    url: '/api/v1/jwt-servers',
    headers: bearer(admin),
    payload,
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json();
}

beforeAll(async () => {
  fx = await adminFixture({ jwks: { timeoutMs: 500, cooldownMs: 0, logger } });
  await addAccount(fx.store, 'alice', 'admin');
  admin = await login(fx.app, 'alice');
  rsaKey = (await generateKeyPair('RS256', { extractable: true })).privateKey;
  ecKey = (await generateKeyPair('ES256', { extractable: true })).privateKey;
  const rsaJwk = { ...(await exportJWK(rsaKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
  const ecJwk = { ...(await exportJWK(ecKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' };
  // Publish only the public members.
  published = [rsaJwk, ecJwk].map(({ d, p, q, dp, dq, qi, ...pub }) => pub);
  jwksServer = createServer((req, res) => {
    jwksHits++;
    if (req.url === '/broken') return void res.writeHead(500).end('oops');
    if (req.url === '/not-json')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('<html>');
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: published }));
  });
  jwksUrl = `${await listen(jwksServer)}/jwks.json`;
  await addServer({
    name: 'CI',
    issuer: 'https://ci.example.test',
    jwksUrl,
    audience: 'portcullis',
    role: 'admin',
    usernameClaim: 'repository',
  });
  await addServer({
    name: 'Script',
    issuer: 'script-runner',
    sharedSecret,
    audience: 'portcullis-api',
    role: 'read-only',
  });
});
afterAll(async () => {
  await fx.close();
  await new Promise((r) => jwksServer.close(r));
  for (const s of silent) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

describe('JWKS-backed servers', () => {
  it('accepts RS256 and ES256 tokens from the JWKS with the configured role and username claim', async () => {
    const rs = await signWith(
      rsaKey,
      'RS256',
      { iss: 'https://ci.example.test', aud: 'portcullis', sub: 'x', repository: 'org/app' },
      'rsa-1',
    );
    const res = await me(rs);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      // Namespaced by the server's name, so it can never pass for a local account.
      username: 'jwt-server:CI/org/app',
      role: 'admin',
      source: 'external',
      mustChangePassword: false,
    });
    const es = await signWith(
      ecKey,
      'ES256',
      { iss: 'https://ci.example.test', aud: 'portcullis', repository: 'org/other' },
      'ec-1',
    );
    expect((await me(es)).json().username).toBe('jwt-server:CI/org/other');
    // External admins can use admin routes.
    const list = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/accounts',
      headers: bearer(rs),
    });
    expect(list.statusCode).toBe(200);
  });

  it('refuses a wrong audience, a missing username claim and an unknown issuer', async () => {
    const wrongAud = await signWith(
      rsaKey,
      'RS256',
      { iss: 'https://ci.example.test', aud: 'someone-else', repository: 'r' },
      'rsa-1',
    );
    const res = await me(wrongAud);
    expect(problemOf(res)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    // The reason (the audience) is logged, not told to the anonymous caller.
    expect(res.json().detail).toBe(GENERIC);
    expect(
      logged.some(
        (l) => l.message === 'external JWT refused' && /aud/.test(String(l.details.reason)),
      ),
    ).toBe(true);
    const noName = await signWith(
      rsaKey,
      'RS256',
      { iss: 'https://ci.example.test', aud: 'portcullis' },
      'rsa-1',
    );
    expect(problemOf(await me(noName)).code).toBe('UNAUTHENTICATED');
    const stranger = await signWith(
      rsaKey,
      'RS256',
      { iss: 'https://evil.example', aud: 'portcullis', repository: 'r' },
      'rsa-1',
    );
    const strangerRes = await me(stranger);
    expect(problemOf(strangerRes).code).toBe('UNAUTHENTICATED');
    // An unknown issuer and a configured one that refused answer byte for byte the same.
    expect(strangerRes.body).toBe(res.body);
  });

  it('refuses an HS256 token for a JWKS server (algorithm confusion) and unknown kids', async () => {
    const hs = await signWith(new TextEncoder().encode(JSON.stringify(published[0])), 'HS256', {
      iss: 'https://ci.example.test',
      aud: 'portcullis',
      repository: 'r',
    });
    expect(problemOf(await me(hs)).code).toBe('UNAUTHENTICATED');
    const other = (await generateKeyPair('RS256')).privateKey;
    const unknownKid = await signWith(
      other,
      'RS256',
      { iss: 'https://ci.example.test', aud: 'portcullis', repository: 'r' },
      'rsa-9',
    );
    const res = await me(unknownKid);
    expect(problemOf(res).code).toBe('UNAUTHENTICATED');
    expect(res.json().detail).toBe(GENERIC);
  });

  it('picks up a key added to the JWKS (refetch on unknown kid)', async () => {
    const next = await generateKeyPair('RS256', { extractable: true });
    const { d, p, q, dp, dq, qi, ...pub } = await exportJWK(next.privateKey);
    published = [...published, { ...pub, kid: 'rsa-2', alg: 'RS256' }];
    const before = jwksHits;
    const token = await signWith(
      next.privateKey,
      'RS256',
      { iss: 'https://ci.example.test', aud: 'portcullis', repository: 'rotated' },
      'rsa-2',
    );
    expect((await me(token)).json().username).toBe('jwt-server:CI/rotated');
    expect(jwksHits).toBeGreaterThan(before);
  });

  it('answers the generic 401 when the JWKS server is down, slow or failing', async () => {
    const down = createServer();
    const downUrl = await listen(down);
    await new Promise((r) => down.close(r));
    const slow = createServer(() => {});
    silent.push(slow);
    const slowUrl = await listen(slow);
    const cases = [
      ['down.example', `${downUrl}/jwks.json`],
      ['slow.example', `${slowUrl}/jwks.json`],
      ['broken.example', jwksUrl.replace('/jwks.json', '/broken')],
    ];
    for (const [issuer, url] of cases) {
      await addServer({ name: issuer, issuer, jwksUrl: url, audience: 'a' });
      const token = await signWith(rsaKey, 'RS256', { iss: issuer, aud: 'a', sub: 'u' }, 'rsa-1');
      const res = await me(token);
      expect(problemOf(res), issuer).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      expect(res.json().detail).toBe(GENERIC);
      expect(res.body).not.toContain(issuer);
    }
  });

  it('answers the generic 401 for a JWKS URL that does not return JSON', async () => {
    await addServer({
      name: 'html',
      issuer: 'html.example',
      jwksUrl: jwksUrl.replace('/jwks.json', '/not-json'),
      audience: 'a',
    });
    const token = await signWith(
      rsaKey,
      'RS256',
      { iss: 'html.example', aud: 'a', sub: 'u' },
      'rsa-1',
    );
    const res = await me(token);
    expect(problemOf(res)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(res.json().detail).toBe(GENERIC);
    expect(logged.some((l) => l.details.reason === 'body is not JSON')).toBe(true);
  });
});

describe('shared-secret servers', () => {
  it('accepts HS256 with the shared secret and the read-only role', async () => {
    const token = await signWith(new TextEncoder().encode(sharedSecret), 'HS256', {
      iss: 'script-runner',
      aud: 'portcullis-api',
      sub: 'nightly',
    });
    const res = await me(token);
    expect(res.json()).toMatchObject({
      username: 'jwt-server:Script/nightly',
      role: 'read-only',
      source: 'external',
    });
    const write = await fx.app.inject({
      method: 'PUT',
      url: '/api/v1/settings',
      headers: bearer(token),
      payload: {},
    });
    expect(problemOf(write).code).toBe('FORBIDDEN');
    // External tokens are renewed by their issuer, not by keep-alive.
    const keep = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/keep-alive',
      headers: bearer(token),
    });
    expect(problemOf(keep).code).toBe('FORBIDDEN');
  });

  it('refuses a wrong secret, RS256 for a secret server, and expired tokens', async () => {
    const wrong = await signWith(new TextEncoder().encode('x'.repeat(40)), 'HS256', {
      iss: 'script-runner',
      aud: 'portcullis-api',
      sub: 'n',
    });
    expect(problemOf(await me(wrong)).code).toBe('UNAUTHENTICATED');
    const rs = await signWith(
      rsaKey,
      'RS256',
      { iss: 'script-runner', aud: 'portcullis-api', sub: 'n' },
      'rsa-1',
    );
    expect(problemOf(await me(rs)).code).toBe('UNAUTHENTICATED');
    const expired = await new SignJWT({ iss: 'script-runner', aud: 'portcullis-api', sub: 'n' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(Math.floor(Date.now() / 1000) - 1200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 600)
      .sign(new TextEncoder().encode(sharedSecret));
    expect(problemOf(await me(expired)).code).toBe('TOKEN_EXPIRED');
  });

  it('answers the generic 401 when the secret cannot be decrypted', async () => {
    const server = await fx.store.jwtServers.getByIssuer('script-runner');
    await fx.store.jwtServers.update(server!.id, {
      sharedSecretCiphertext: 'v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    try {
      const token = await signWith(new TextEncoder().encode(sharedSecret), 'HS256', {
        iss: 'script-runner',
        aud: 'portcullis-api',
        sub: 'n',
      });
      const res = await me(token);
      expect(problemOf(res)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      expect(res.json().detail).toBe(GENERIC);
    } finally {
      await fx.store.jwtServers.update(server!.id, {
        sharedSecretCiphertext: server!.sharedSecretCiphertext,
      });
    }
  });
});

describe('the jwt-servers API', () => {
  it('never returns the shared secret and validates input', async () => {
    const list = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/jwt-servers',
      headers: bearer(admin),
    });
    expect(list.body).not.toContain(sharedSecret);
    expect(list.json().items.find((s: { name: string }) => s.name === 'Script')).toMatchObject({
      hasSharedSecret: true,
      jwksUrl: null,
    });
    const both = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/jwt-servers',
      headers: bearer(admin),
      payload: { name: 'b', issuer: 'b', audience: 'a', jwksUrl, sharedSecret },
    });
    expect(problemOf(both).code).toBe('VALIDATION_FAILED');
    const neither = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/jwt-servers',
      headers: bearer(admin),
      payload: { name: 'n', issuer: 'n', audience: 'a' },
    });
    expect(problemOf(neither).code).toBe('VALIDATION_FAILED');
    const weak = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/jwt-servers',
      headers: bearer(admin),
      payload: { name: 'w', issuer: 'w', audience: 'a', sharedSecret: 'short' },
    });
    expect(problemOf(weak).code).toBe('VALIDATION_FAILED');
    const fileUrl = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/jwt-servers',
      headers: bearer(admin),
      payload: { name: 'f', issuer: 'f', audience: 'a', jwksUrl: 'file:///etc/passwd' },
    });
    expect(problemOf(fileUrl).code).toBe('VALIDATION_FAILED');
    const dup = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/jwt-servers',
      headers: bearer(admin),
      payload: { name: 'CI 2', issuer: 'https://ci.example.test', audience: 'a', jwksUrl },
    });
    expect(problemOf(dup)).toMatchObject({ status: 409, code: 'CONFLICT' });
    const changes = await fx.store.changes.query({ action: 'jwt-server.create' });
    expect(JSON.stringify(changes.items)).not.toContain(sharedSecret);
  });

  it('patches, disables (tokens then refused) and deletes', async () => {
    const { id } = await addServer({
      name: 'Temp',
      issuer: 'temp-issuer',
      sharedSecret,
      audience: 'aud',
    });
    const token = await signWith(new TextEncoder().encode(sharedSecret), 'HS256', {
      iss: 'temp-issuer',
      aud: 'aud',
      sub: 't',
    });
    expect((await me(token)).statusCode).toBe(200);
    const patched = await fx.app.inject({
      method: 'PATCH',
      url: `/api/v1/jwt-servers/${id}`,
      headers: bearer(admin),
      payload: { enabled: false, role: 'admin' },
    });
    expect(patched.json()).toMatchObject({ enabled: false, role: 'admin' });
    expect(problemOf(await me(token)).code).toBe('UNAUTHENTICATED');
    const got = await fx.app.inject({
      method: 'GET',
      url: `/api/v1/jwt-servers/${id}`,
      headers: bearer(admin),
    });
    expect(got.json().name).toBe('Temp');
    expect(
      (
        await fx.app.inject({
          method: 'DELETE',
          url: `/api/v1/jwt-servers/${id}`,
          headers: bearer(admin),
        })
      ).statusCode,
    ).toBe(204);
    expect(
      problemOf(
        await fx.app.inject({
          method: 'GET',
          url: `/api/v1/jwt-servers/${id}`,
          headers: bearer(admin),
        }),
      ).code,
    ).toBe('NOT_FOUND');
  });
});
