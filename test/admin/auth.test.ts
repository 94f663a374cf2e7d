/**
 * API access with local accounts: Basic → bearer token (Jamf Pro API pattern), keep-alive and
 * invalidation, expiry on a frozen clock, brute-force backoff with Retry-After, one-time
 * passwords, role enforcement, and the accounts API with its last-admin guard.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdminFixture,
  addAccount,
  adminFixture,
  basic,
  bearer,
  login,
  PASSWORD,
  problemOf,
} from './helpers.js';

let fx: AdminFixture;
let clock = Date.parse('2026-03-01T10:00:00Z');

beforeAll(async () => {
  fx = await adminFixture({ now: () => clock, throttle: { freeAttempts: 3, baseDelaySeconds: 2 } });
  await addAccount(fx.store, 'alice', 'admin');
  await addAccount(fx.store, 'rita', 'read-only');
  await addAccount(fx.store, 'newbie', 'admin', true);
});
afterAll(async () => fx.close());

const post = (url: string, headers: Record<string, string>, payload?: object) =>
  fx.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });

describe('bearer tokens', () => {
  it('issues a 30-minute RS256 token bound to the account id and its session epoch', async () => {
    const res = await post('/api/v1/auth/token', { authorization: basic('alice', PASSWORD) });
    expect(res.statusCode).toBe(200);
    const { token, expires } = res.json() as { token: string; expires: string };
    expect(Date.parse(expires)).toBe(clock + 30 * 60_000);
    const claims = decodeJwt(token);
    const alice = await fx.store.accounts.getByUsername('alice');
    expect(claims).toMatchObject({
      sub: alice!.id,
      name: 'alice',
      role: 'admin',
      ep: alice!.sessionEpoch,
      auth_time: clock / 1000,
      iss: 'portcullis-admin',
      aud: 'portcullis-admin-api',
    });
    expect(typeof claims.jti).toBe('string');
    expect(decodeProtectedHeader(token).alg).toBe('RS256');
    const me = await fx.app.inject({ method: 'GET', url: '/api/v1/auth', headers: bearer(token) });
    expect(me.json()).toEqual({
      username: 'alice',
      role: 'admin',
      source: 'local',
      expires,
      mustChangePassword: false,
    });
  });

  it('refuses wrong passwords, unknown users and malformed Basic headers alike', async () => {
    for (const authorization of [basic('alice', 'wrong password!'), basic('mallory', PASSWORD)]) {
      const res = await post('/api/v1/auth/token', { authorization });
      expect(problemOf(res)).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
    }
    for (const authorization of [
      'Basic !!!',
      `Basic ${Buffer.from('nocolon').toString('base64')}`,
      'Bearer abc',
    ]) {
      const res = await post('/api/v1/auth/token', { authorization });
      expect(problemOf(res)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    }
    expect(problemOf(await post('/api/v1/auth/token', {})).code).toBe('UNAUTHENTICATED');
  });

  it('keep-alive returns a new token and revokes the old one', async () => {
    const first = await login(fx.app, 'alice');
    const res = await post('/api/v1/auth/keep-alive', bearer(first));
    expect(res.statusCode).toBe(200);
    const second = res.json().token as string;
    expect(decodeJwt(second).jti).not.toBe(decodeJwt(first).jti);
    const old = await fx.app.inject({ method: 'GET', url: '/api/v1/auth', headers: bearer(first) });
    expect(problemOf(old)).toMatchObject({ status: 401, code: 'TOKEN_INVALIDATED' });
    expect(
      (await fx.app.inject({ method: 'GET', url: '/api/v1/auth', headers: bearer(second) }))
        .statusCode,
    ).toBe(200);
  });

  it('invalidate-token answers 204 and the token stops working', async () => {
    const token = await login(fx.app, 'alice');
    expect((await post('/api/v1/auth/invalidate-token', bearer(token))).statusCode).toBe(204);
    const res = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/jwt-configurations',
      headers: bearer(token),
    });
    expect(problemOf(res).code).toBe('TOKEN_INVALIDATED');
  });

  it('expires tokens after 30 minutes', async () => {
    const token = await login(fx.app, 'alice');
    clock += 31 * 60_000;
    try {
      const res = await fx.app.inject({
        method: 'GET',
        url: '/api/v1/auth',
        headers: bearer(token),
      });
      expect(problemOf(res)).toMatchObject({ status: 401, code: 'TOKEN_EXPIRED' });
    } finally {
      clock -= 31 * 60_000;
    }
  });

  it('refuses a token signed by another server key (forged) and tokens of deleted accounts', async () => {
    const other = await adminFixture();
    try {
      await addAccount(other.store, 'alice', 'admin');
      const foreign = await login(other.app, 'alice');
      const res = await fx.app.inject({
        method: 'GET',
        url: '/api/v1/auth',
        headers: bearer(foreign),
      });
      expect(problemOf(res)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    } finally {
      await other.close();
    }
    const id = await addAccount(fx.store, 'temp', 'admin');
    const token = await login(fx.app, 'temp');
    await fx.store.accounts.delete(id);
    expect(
      problemOf(await fx.app.inject({ method: 'GET', url: '/api/v1/auth', headers: bearer(token) }))
        .code,
    ).toBe('UNAUTHENTICATED');
  });
});

describe('several processes on one data directory', () => {
  it('accept each other’s tokens (one session key in the store)', async () => {
    const { buildAdminApp } = await import('../../src/admin/app.js');
    const { probeRunner } = await import('../../src/probe/runner.js');
    const twin = await buildAdminApp({
      probe: probeRunner,
      store: fx.store,
      secret: fx.secret,
      publicUrl: 'https://x.test',
      contentRoot: fx.dir,
      now: () => clock,
    });
    try {
      const token = await login(twin, 'alice');
      expect(
        (await fx.app.inject({ method: 'GET', url: '/api/v1/auth', headers: bearer(token) }))
          .statusCode,
      ).toBe(200);
    } finally {
      await twin.close();
    }
  });
});

describe('brute-force backoff', () => {
  it('answers 429 with Retry-After after repeated failures, per username from any address', async () => {
    await addAccount(fx.store, 'bob', 'read-only');
    const wrong = { authorization: basic('bob', 'definitely wrong') };
    for (let i = 0; i < 3; i++)
      expect((await post('/api/v1/auth/token', wrong)).statusCode).toBe(401);
    const locked = await post('/api/v1/auth/token', { authorization: basic('bob', PASSWORD) });
    expect(problemOf(locked)).toMatchObject({ status: 429, code: 'TOO_MANY_ATTEMPTS' });
    expect(locked.headers['retry-after']).toBe('2');
    // Another address does not get a fresh budget for the same username.
    const elsewhere = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      remoteAddress: '10.9.8.7',
      headers: { authorization: basic('bob', PASSWORD) },
    });
    expect(problemOf(elsewhere)).toMatchObject({ status: 429, code: 'TOO_MANY_ATTEMPTS' });
    // After the wait the right password works and resets the username's counter.
    clock += 2_000;
    expect(
      (await post('/api/v1/auth/token', { authorization: basic('bob', PASSWORD) })).statusCode,
    ).toBe(200);
    expect((await post('/api/v1/auth/token', wrong)).statusCode).toBe(401);
  });

  it('doubles the wait with each further failure', async () => {
    await addAccount(fx.store, 'carol', 'read-only');
    const wrong = { authorization: basic('carol', 'definitely wrong') };
    for (let i = 0; i < 3; i++) await post('/api/v1/auth/token', wrong);
    clock += 2_000;
    await post('/api/v1/auth/token', wrong);
    const res = await post('/api/v1/auth/token', wrong);
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('4');
  });
});

describe('one-time passwords', () => {
  it('limits a must-change account to auth routes until the password is changed', async () => {
    const token = await login(fx.app, 'newbie');
    const me = await fx.app.inject({ method: 'GET', url: '/api/v1/auth', headers: bearer(token) });
    expect(me.json().mustChangePassword).toBe(true);
    const blocked = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/jwt-configurations',
      headers: bearer(token),
    });
    expect(problemOf(blocked)).toMatchObject({ status: 403, code: 'PASSWORD_CHANGE_REQUIRED' });
    const short = await post('/api/v1/auth/change-password', bearer(token), {
      currentPassword: PASSWORD,
      newPassword: 'short',
    });
    expect(problemOf(short).code).toBe('VALIDATION_FAILED');
    const badCurrent = await post('/api/v1/auth/change-password', bearer(token), {
      currentPassword: 'not it at all',
      newPassword: 'a brand new passphrase',
    });
    expect(problemOf(badCurrent)).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
    const ok = await post('/api/v1/auth/change-password', bearer(token), {
      currentPassword: PASSWORD,
      newPassword: 'a brand new passphrase',
    });
    expect(ok.statusCode).toBe(200);
    // The change ends the old session; the caller continues with the token it got back.
    const old = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/jwt-configurations',
      headers: bearer(token),
    });
    expect(problemOf(old)).toMatchObject({ status: 401, code: 'SESSION_ENDED' });
    const allowed = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/jwt-configurations',
      headers: bearer(ok.json().token),
    });
    expect(allowed.statusCode).toBe(200);
    expect(
      (
        await post('/api/v1/auth/token', {
          authorization: basic('newbie', 'a brand new passphrase'),
        })
      ).statusCode,
    ).toBe(200);
    const changes = await fx.store.changes.query({ action: 'account.change-password' });
    expect(JSON.stringify(changes.items)).not.toContain('a brand new passphrase');
  });
});

describe('roles and the accounts API', () => {
  let admin: string;
  let reader: string;
  beforeAll(async () => {
    admin = await login(fx.app, 'alice');
    reader = await login(fx.app, 'rita');
  });

  it('lets read-only accounts GET but not write, and keeps accounts admin-only', async () => {
    expect(
      (await fx.app.inject({ method: 'GET', url: '/api/v1/settings', headers: bearer(reader) }))
        .statusCode,
    ).toBe(200);
    const put = await fx.app.inject({
      method: 'PUT',
      url: '/api/v1/settings',
      headers: bearer(reader),
      payload: { auditRetentionDays: 5 },
    });
    expect(problemOf(put)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const list = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/accounts',
      headers: bearer(reader),
    });
    expect(problemOf(list).code).toBe('FORBIDDEN');
    const servers = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/jwt-servers',
      headers: bearer(reader),
    });
    expect(problemOf(servers).code).toBe('FORBIDDEN');
  });

  it('creates, reads, updates and deletes accounts without exposing hashes', async () => {
    const created = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      headers: bearer(admin),
      payload: { username: 'dave', password: 'initial password 1', role: 'read-only' },
    });
    expect(created.statusCode).toBe(201);
    const dave = created.json();
    expect(dave).toMatchObject({
      username: 'dave',
      role: 'read-only',
      mustChangePassword: true,
      disabled: false,
    });
    expect(created.body).not.toContain('scrypt');
    const list = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/accounts',
      headers: bearer(admin),
    });
    expect(list.body).not.toContain('passwordHash');
    expect(list.json().items.map((a: { username: string }) => a.username)).toContain('dave');
    const dup = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      headers: bearer(admin),
      payload: { username: 'dave', password: 'initial password 1' },
    });
    expect(problemOf(dup)).toMatchObject({ status: 409, code: 'CONFLICT' });
    const promoted = await fx.app.inject({
      method: 'PATCH',
      url: `/api/v1/accounts/${dave.id}`,
      headers: bearer(admin),
      payload: { role: 'admin' },
    });
    expect(promoted.json().role).toBe('admin');
    const got = await fx.app.inject({
      method: 'GET',
      url: `/api/v1/accounts/${dave.id}`,
      headers: bearer(admin),
    });
    expect(got.json().role).toBe('admin');
    expect(
      (
        await fx.app.inject({
          method: 'DELETE',
          url: `/api/v1/accounts/${dave.id}`,
          headers: bearer(admin),
        })
      ).statusCode,
    ).toBe(204);
    expect(
      problemOf(
        await fx.app.inject({
          method: 'GET',
          url: `/api/v1/accounts/${dave.id}`,
          headers: bearer(admin),
        }),
      ).code,
    ).toBe('NOT_FOUND');
  });

  it('ends existing sessions at once on a demotion', async () => {
    const id = await addAccount(fx.store, 'erin', 'admin');
    const token = await login(fx.app, 'erin');
    await fx.app.inject({
      method: 'PATCH',
      url: `/api/v1/accounts/${id}`,
      headers: bearer(admin),
      payload: { role: 'read-only' },
    });
    const res = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/accounts',
      headers: bearer(token),
    });
    expect(problemOf(res)).toMatchObject({ status: 401, code: 'SESSION_ENDED' });
    const again = await login(fx.app, 'erin');
    const forbidden = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/accounts',
      headers: bearer(again),
    });
    expect(problemOf(forbidden).code).toBe('FORBIDDEN');
  });

  it('refuses weak passwords and odd usernames', async () => {
    for (const payload of [
      { username: 'frank', password: 'short' },
      { username: 'bad name', password: 'long enough password' },
      { username: 'x', password: 'long enough password', role: 'root' },
    ]) {
      const res = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/accounts',
        headers: bearer(admin),
        payload,
      });
      expect(problemOf(res).code, JSON.stringify(payload)).toBe('VALIDATION_FAILED');
    }
  });

  it('never removes, demotes or disables the last enabled admin', async () => {
    const solo = await adminFixture();
    try {
      const id = await addAccount(solo.store, 'root', 'admin');
      const token = await login(solo.app, 'root');
      for (const [method, payload] of [
        ['DELETE', undefined],
        ['PATCH', { role: 'read-only' }],
        ['PATCH', { disabled: true }],
      ] as const) {
        const res = await solo.app.inject({
          method,
          url: `/api/v1/accounts/${id}`,
          headers: bearer(token),
          ...(payload ? { payload } : {}),
        });
        expect(problemOf(res), method).toMatchObject({ status: 409, code: 'CONFLICT' });
      }
      expect((await solo.store.accounts.get(id))?.role).toBe('admin');
    } finally {
      await solo.close();
    }
  });
});
