/**
 * What an external JWT server may vouch for, attacked at the HTTP surface with a real RS256 JWKS
 * on 127.0.0.1: tokens from a shared issuer (GitHub Actions) minted by someone else's
 * repository, tokens that live for a century or carry no iat, and a username claim that tries
 * to pass for the local `admin` account. Every refusal is the generic anonymous 401.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdminFixture,
  addAccount,
  adminFixture,
  bearer,
  login,
  problemOf,
} from './helpers.js';

const GITHUB = 'https://token.actions.githubusercontent.com';
const GENERIC = 'The bearer token was not accepted.';
const HOUR = 3600;
let fx: AdminFixture;
let admin: string;
let jwks: Server;
let jwksUrl: string;
let key: CryptoKey;
const logged: Array<{ level: string; details: Record<string, unknown>; message: string }> = [];
const logger = {
  warn: (details: Record<string, unknown>, message: string) =>
    void logged.push({ level: 'warn', details, message }),
  debug: (details: Record<string, unknown>, message: string) =>
    void logged.push({ level: 'debug', details, message }),
};
const nowSec = () => Math.floor(Date.now() / 1000);

/** A GitHub-Actions-shaped token; `times` overrides iat/exp (null leaves the claim out). */
async function ghToken(
  claims: Record<string, unknown>,
  times: { iat?: number | null; exp?: number | null } = {},
  iss = GITHUB,
): Promise<string> {
  const iat = times.iat === undefined ? nowSec() : times.iat;
  const exp = times.exp === undefined ? nowSec() + 300 : times.exp;
  const payload: JWTPayload = {
    iss,
    aud: 'portcullis-admin',
    sub: 'repo:acme/app:ref:refs/heads/main',
    repository: 'acme/app',
    repository_owner: 'acme',
    ref: 'refs/heads/main',
    ...claims,
    ...(iat === null ? {} : { iat }),
    ...(exp === null ? {} : { exp }),
  };
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'gh-1' }).sign(key);
}

const me = (token: string) =>
  fx.app.inject({ method: 'GET', url: '/api/v1/auth', headers: bearer(token) });

const postServer = (payload: Record<string, unknown>) =>
  fx.app.inject({
    method: 'POST',
    url: '/api/v1/jwt-servers',
    headers: bearer(admin),
    payload,
  });

/** Asserts the anonymous answer every refused external token gets. */
async function expectRefused(token: string): Promise<void> {
  const res = await me(token);
  expect(problemOf(res).code).toBe('UNAUTHENTICATED');
  expect(res.statusCode).toBe(401);
  expect(res.json().detail).toBe(GENERIC);
}

let githubId: string;

beforeAll(async () => {
  fx = await adminFixture({ jwks: { timeoutMs: 500, cooldownMs: 0, logger } });
  await addAccount(fx.store, 'admin', 'admin');
  admin = await login(fx.app, 'admin');
  const pair = await generateKeyPair('RS256', { extractable: true });
  key = pair.privateKey;
  const pub = { ...(await exportJWK(pair.publicKey)), kid: 'gh-1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [pub] })),
  );
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
});
afterAll(async () => {
  await fx.close();
  await new Promise((r) => jwks.close(r));
});

describe('required claims', () => {
  it('refuses a GitHub Actions entry without a claim pinning the repository or owner, at any role', async () => {
    for (const role of ['admin', 'read-only']) {
      const res = await postServer({
        name: 'GitHub Actions',
        issuer: `${GITHUB}/`,
        jwksUrl,
        audience: 'portcullis-admin',
        role,
        usernameClaim: 'repository',
        // Every repository runs on some ref: this pins nothing.
        requiredClaims: { ref: 'refs/heads/main' },
      });
      expect(problemOf(res).code).toBe('VALIDATION_FAILED');
      expect(res.json().detail).toContain('repository_owner');
    }
  });

  it('accepts the right repository owner and ref, refuses every other repository', async () => {
    const res = await postServer({
      name: 'GitHub Actions',
      issuer: GITHUB,
      jwksUrl,
      audience: 'portcullis-admin',
      role: 'admin',
      usernameClaim: 'repository',
      requiredClaims: { repository_owner: 'acme', ref: ['refs/heads/main', 'refs/heads/release'] },
    });
    expect(res.statusCode).toBe(201);
    githubId = res.json().id;
    expect(res.json()).toMatchObject({
      requiredClaims: { repository_owner: 'acme', ref: ['refs/heads/main', 'refs/heads/release'] },
      maxTokenLifetimeSeconds: HOUR,
      warnings: [],
    });
    const read = await fx.app.inject({
      method: 'GET',
      url: `/api/v1/jwt-servers/${githubId}`,
      headers: bearer(admin),
    });
    expect(read.json().requiredClaims).toEqual(res.json().requiredClaims);

    const ok = await me(await ghToken({}));
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ role: 'admin', source: 'external' });
    expect((await me(await ghToken({ ref: 'refs/heads/release' }))).statusCode).toBe(200);

    logged.length = 0;
    // The attack: any GitHub repository mints a token with this audience.
    await expectRefused(await ghToken({ repository_owner: 'evil', repository: 'evil/app' }));
    await expectRefused(await ghToken({ ref: 'refs/heads/attacker-branch' }));
    await expectRefused(await ghToken({ repository_owner: ['acme'] }));
    await expectRefused(await ghToken({ repository_owner: undefined }));
    // The reason is logged at debug for the operator, never the token.
    const reasons = logged.filter((l) => l.level === 'debug').map((l) => l.details.reason);
    expect(reasons).toContain('required claim "repository_owner" does not match');
    expect(reasons).toContain('required claim "ref" does not match');
  });

  it('refuses to drop the pinning claim of a shared issuer later', async () => {
    const res = await fx.app.inject({
      method: 'PATCH',
      url: `/api/v1/jwt-servers/${githubId}`,
      headers: bearer(admin),
      payload: { requiredClaims: { ref: 'refs/heads/main' } },
    });
    expect(problemOf(res).code).toBe('VALIDATION_FAILED');
    expect((await me(await ghToken({}))).statusCode).toBe(200);
  });

  it('fails closed for a shared-issuer entry stored before the rule, and logs it once', async () => {
    await fx.store.jwtServers.create({
      name: 'GitLab legacy',
      issuer: 'https://gitlab.com',
      jwksUrl,
      sharedSecretCiphertext: null,
      audience: 'portcullis-admin',
      role: 'admin',
      usernameClaim: 'sub',
      enabled: true,
    });
    logged.length = 0;
    await expectRefused(await ghToken({}, {}, 'https://gitlab.com'));
    await expectRefused(await ghToken({}, {}, 'https://gitlab.com'));
    expect(logged.filter((l) => l.level === 'warn')).toHaveLength(1);
  });

  it('warns about an admin entry without required claims, and bounds the claims it takes', async () => {
    const base = { issuer: 'https://idp.acme.test', jwksUrl, audience: 'portcullis-admin' };
    const risky = await postServer({ ...base, name: 'Acme IdP', role: 'admin' });
    expect(risky.statusCode).toBe(201);
    expect(risky.json().warnings).toEqual([expect.stringContaining('requiredClaims')]);
    const patched = await fx.app.inject({
      method: 'PATCH',
      url: `/api/v1/jwt-servers/${risky.json().id}`,
      headers: bearer(admin),
      payload: { role: 'read-only' },
    });
    expect(patched.json().warnings).toEqual([]);

    const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`c${i}`, 'v']));
    for (const requiredClaims of [
      tooMany,
      { exp: '1' },
      { aud: 'x' },
      { 'has space': 'x' },
      JSON.parse('{"constructor":"x"}'),
      { team: [] },
      { team: 7 },
      { team: 'x'.repeat(513) },
    ]) {
      const res = await postServer({
        ...base,
        issuer: 'https://other.test',
        name: 'x',
        requiredClaims,
      });
      expect(problemOf(res).code, JSON.stringify(requiredClaims)).toBe('VALIDATION_FAILED');
    }
    const proto = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/jwt-servers',
      headers: { ...bearer(admin), 'content-type': 'application/json' },
      payload: `{"name":"x","issuer":"https://other.test","jwksUrl":"${jwksUrl}","audience":"a","requiredClaims":{"__proto__":"x"}}`,
    });
    expect(proto.statusCode).toBe(400);
    for (const maxTokenLifetimeSeconds of [0, 86_401, 1.5]) {
      const res = await postServer({
        ...base,
        issuer: 'https://other.test',
        name: 'x',
        maxTokenLifetimeSeconds,
      });
      expect(problemOf(res).code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('token lifetime', () => {
  it('refuses a 100-year token, a token without iat or exp, and an iat in the future', async () => {
    await expectRefused(await ghToken({}, { exp: nowSec() + 100 * 365 * 86_400 }));
    await expectRefused(await ghToken({}, { iat: null }));
    await expectRefused(await ghToken({}, { exp: null }));
    // A future iat would make exp - iat look short while the token lives for years.
    const later = nowSec() + 10 * 365 * 86_400;
    await expectRefused(await ghToken({}, { iat: later, exp: later + 60 }));
    // Just over the server's one hour.
    await expectRefused(await ghToken({}, { exp: nowSec() + HOUR + 1 }));
  });

  it('accepts up to maxTokenLifetimeSeconds, but never past the admin session lifetime', async () => {
    const longer = await fx.app.inject({
      method: 'PATCH',
      url: `/api/v1/jwt-servers/${githubId}`,
      headers: bearer(admin),
      payload: { maxTokenLifetimeSeconds: 6 * HOUR },
    });
    expect(longer.json().maxTokenLifetimeSeconds).toBe(6 * HOUR);
    const fiveHours = await ghToken({}, { exp: nowSec() + 5 * HOUR });
    const ok = await me(fiveHours);
    expect(ok.statusCode).toBe(200);
    expect(Date.parse(ok.json().expires)).toBeLessThanOrEqual((nowSec() + 5 * HOUR) * 1000);

    const settings = await fx.app.inject({
      method: 'PUT',
      url: '/api/v1/settings',
      headers: bearer(admin),
      payload: { sessionMaxHours: 1 },
    });
    expect(settings.statusCode).toBe(200);
    try {
      await expectRefused(fiveHours);
      expect((await me(await ghToken({}))).statusCode).toBe(200);
    } finally {
      await fx.store.settings.set('sessionMaxHours', '12');
    }
  });
});

describe('external usernames', () => {
  it('namespaces a username claim of "admin": never the local admin, in who-am-I and the change log', async () => {
    const token = await ghToken({ repository: 'admin' });
    const who = await me(token);
    expect(who.json().username).toBe('jwt-server:GitHub Actions/admin');
    // The external admin acts; the change log must not credit the local account.
    const acted = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      headers: bearer(token),
      payload: { username: 'made-by-ci', password: 'a long enough password', role: 'read-only' },
    });
    expect(acted.statusCode).toBe(201);
    const changes = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/changes',
      headers: bearer(admin),
    });
    const row = (changes.json().items as Array<{ actor: string; action: string }>).find(
      (c) => c.action === 'account.create',
    );
    expect(row?.actor).toBe(`jwt-server:GitHub Actions/admin (id ${githubId})`);
    expect(row?.actor).not.toBe('admin');
  });

  it('refuses a username claim with control characters or of absurd length', async () => {
    await expectRefused(await ghToken({ repository: 'acme/app\nadmin' }));
    await expectRefused(await ghToken({ repository: 'a'.repeat(257) }));
    await expectRefused(await ghToken({ repository: '' }));
  });
});
