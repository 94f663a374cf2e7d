/**
 * Sessions end when they must (issue 10 §5): a session is bound to the account id and the
 * account's session epoch, which a password reset or change, a role change, disabling and
 * deleting move on; keep-alive refuses after that and never renews past the absolute lifetime
 * (sessionMaxHours, default 12 h). All through the HTTP surface on a frozen clock.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSessionKey } from '../../src/admin/auth/session-tokens.js';
import { CLI, ensureBuilt } from '../helpers/dist.js';
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
let clock = Date.parse('2026-03-01T08:00:00Z');
let admin: string;

beforeAll(async () => {
  fx = await adminFixture({ now: () => clock });
  await addAccount(fx.store, 'root', 'admin');
  admin = await login(fx.app, 'root');
});
afterAll(async () => fx.close());

const call = (method: string, url: string, token: string, payload?: object) =>
  fx.app.inject({
    method: method as 'GET',
    url,
    headers: bearer(token),
    ...(payload ? { payload } : {}),
  });
const whoAmI = (token: string) => call('GET', '/api/v1/auth', token);
const dataRoute = (token: string) => call('GET', '/api/v1/jwt-configurations', token);
const keepAlive = (token: string) => call('POST', '/api/v1/auth/keep-alive', token);
const patchAccount = (id: string, payload: object) =>
  call('PATCH', `/api/v1/accounts/${id}`, admin, payload);

/** Asserts that `token` is refused everywhere with `code`, keep-alive included. */
async function expectDead(token: string, code: string): Promise<void> {
  for (const res of [await whoAmI(token), await dataRoute(token), await keepAlive(token)]) {
    expect(problemOf(res)).toMatchObject({ status: 401, code });
  }
}

describe('a password reset by an admin', () => {
  it('ends a stolen session: data routes and keep-alive refuse it, also after the user changes the password', async () => {
    const id = await addAccount(fx.store, 'victim', 'admin');
    const stolen = await login(fx.app, 'victim');
    // The thief keeps the session alive once before the reset: the renewed token dies too.
    const renewed = (await keepAlive(stolen)).json().token as string;
    expect((await dataRoute(renewed)).statusCode).toBe(200);
    expect((await patchAccount(id, { password: 'one-time password 1' })).statusCode).toBe(200);
    await expectDead(renewed, 'SESSION_ENDED');
    // The user signs in with the one-time password and chooses a new one.
    const fresh = await login(fx.app, 'victim', 'one-time password 1');
    const changed = await call('POST', '/api/v1/auth/change-password', fresh, {
      currentPassword: 'one-time password 1',
      newPassword: 'the victim’s own new passphrase',
    });
    expect(changed.statusCode).toBe(200);
    // The stolen token does not come back to life, nor does the pre-change session.
    await expectDead(renewed, 'SESSION_ENDED');
    await expectDead(fresh, 'SESSION_ENDED');
    expect((await dataRoute(changed.json().token)).statusCode).toBe(200);
  });
});

describe('a password change by the user', () => {
  it('ends every other session of the account and keeps it dead', async () => {
    await addAccount(fx.store, 'carol', 'admin');
    const laptop = await login(fx.app, 'carol');
    const stolen = await login(fx.app, 'carol');
    const changed = await call('POST', '/api/v1/auth/change-password', laptop, {
      currentPassword: PASSWORD,
      newPassword: 'carol chose a new passphrase',
    });
    expect(changed.statusCode).toBe(200);
    await expectDead(stolen, 'SESSION_ENDED');
    await expectDead(laptop, 'SESSION_ENDED');
    const next = changed.json().token as string;
    expect((await whoAmI(next)).json()).toMatchObject({ username: 'carol', role: 'admin' });
    // A wrong current password changes nothing and ends nothing.
    const wrong = await call('POST', '/api/v1/auth/change-password', next, {
      currentPassword: 'not the password',
      newPassword: 'yet another passphrase',
    });
    expect(problemOf(wrong)).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
    expect((await dataRoute(next)).statusCode).toBe(200);
  });
});

describe('an offline reset with `portcullis admin reset-password`', () => {
  it('ends the running sessions of the account too (the store bumps the epoch)', async () => {
    ensureBuilt();
    await addAccount(fx.store, 'olga', 'admin');
    const token = await login(fx.app, 'olga');
    writeFileSync(join(fx.dir, 'pw.txt'), 'reset from the command line\n');
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'admin',
        'reset-password',
        '--data',
        fx.dir,
        '--username',
        'olga',
        '--password-file',
        'pw.txt',
      ],
      { cwd: fx.dir, encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    await expectDead(token, 'SESSION_ENDED');
    expect(
      (await dataRoute(await login(fx.app, 'olga', 'reset from the command line'))).statusCode,
    ).toBe(200);
  });
});

describe('role changes, disabling and deleting', () => {
  it('a role change ends the sessions issued under the old role', async () => {
    const id = await addAccount(fx.store, 'dave', 'read-only');
    const token = await login(fx.app, 'dave');
    expect((await patchAccount(id, { role: 'admin' })).statusCode).toBe(200);
    await expectDead(token, 'SESSION_ENDED');
    const promoted = await login(fx.app, 'dave');
    expect((await call('GET', '/api/v1/accounts', promoted)).statusCode).toBe(200);
  });

  it('disabling ends sessions for good: enabling again does not revive them', async () => {
    const id = await addAccount(fx.store, 'erin', 'admin');
    const token = await login(fx.app, 'erin');
    expect((await patchAccount(id, { disabled: true })).statusCode).toBe(200);
    await expectDead(token, 'UNAUTHENTICATED');
    expect((await patchAccount(id, { disabled: false })).statusCode).toBe(200);
    await expectDead(token, 'SESSION_ENDED');
    expect((await dataRoute(await login(fx.app, 'erin'))).statusCode).toBe(200);
  });

  it('deleting bob and creating BOB does not hand bob’s sessions to the new account', async () => {
    const bobId = await addAccount(fx.store, 'bob', 'admin');
    const bobToken = await login(fx.app, 'bob');
    expect((await call('DELETE', `/api/v1/accounts/${bobId}`, admin)).statusCode).toBe(204);
    const created = await call('POST', '/api/v1/accounts', admin, {
      username: 'BOB',
      password: 'a different person entirely',
      role: 'read-only',
      mustChangePassword: false,
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().id).not.toBe(bobId);
    await expectDead(bobToken, 'UNAUTHENTICATED');
    const newBob = await login(fx.app, 'BOB', 'a different person entirely');
    expect((await whoAmI(newBob)).json()).toMatchObject({ username: 'BOB', role: 'read-only' });
  });

  it('refuses a session token without account binding (as issued before this version)', async () => {
    const key = await loadOrCreateSessionKey(fx.store, fx.secret);
    const nowSec = Math.floor(clock / 1000);
    const legacy = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
      .setSubject('root')
      .setJti('legacy-1')
      .setIssuer('portcullis-admin')
      .setAudience('portcullis-admin-api')
      .setIssuedAt(nowSec)
      .setExpirationTime(nowSec + 600)
      .sign(key.privateKey);
    expect(problemOf(await whoAmI(legacy))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });
});

describe('the absolute session lifetime', () => {
  it('keep-alive renews every 25 minutes for 12 hours, then refuses; expiry never passes the limit', async () => {
    const start = clock;
    try {
      await addAccount(fx.store, 'frank', 'admin');
      let token = await login(fx.app, 'frank');
      const limit = start + 12 * 3600_000;
      for (;;) {
        clock += 25 * 60_000;
        const res = await keepAlive(token);
        if (clock >= limit) {
          // The last renewal was clipped to the limit, so the token itself has run out.
          expect(problemOf(res)).toMatchObject({ status: 401, code: 'TOKEN_EXPIRED' });
          expect(clock - start).toBeLessThan(12 * 3600_000 + 25 * 60_000);
          break;
        }
        expect(res.statusCode).toBe(200);
        const expires = Date.parse(res.json().expires);
        expect(expires).toBeLessThanOrEqual(limit);
        expect(expires).toBe(Math.min(clock + 30 * 60_000, limit));
        token = res.json().token as string;
      }
      // Signing in again starts a new session.
      expect((await dataRoute(await login(fx.app, 'frank'))).statusCode).toBe(200);
    } finally {
      clock = start;
    }
  });

  it('is a setting (sessionMaxHours, 1..720) that applies to running sessions at once', async () => {
    const start = clock;
    try {
      expect((await call('GET', '/api/v1/settings', admin)).json().sessionMaxHours).toBe(12);
      for (const bad of [0, 721, 1.5, '12']) {
        const res = await call('PUT', '/api/v1/settings', admin, { sessionMaxHours: bad });
        expect(problemOf(res)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
      }
      await addAccount(fx.store, 'gina', 'admin');
      const token = await login(fx.app, 'gina');
      clock += 20 * 60_000;
      const renewed = (await keepAlive(token)).json().token as string;
      const set = await call('PUT', '/api/v1/settings', admin, { sessionMaxHours: 1 });
      expect(set.json().sessionMaxHours).toBe(1);
      clock += 25 * 60_000;
      const last = await keepAlive(renewed);
      expect(last.statusCode).toBe(200);
      expect(Date.parse(last.json().expires)).toBe(start + 3600_000);
      clock = start + 3600_000;
      await expectDead(last.json().token, 'TOKEN_EXPIRED');
    } finally {
      clock = start;
      await call('PUT', '/api/v1/settings', admin, { sessionMaxHours: 12 });
    }
  });

  it('refuses a token whose session outlived a lowered lifetime even before it expires', async () => {
    const start = clock;
    try {
      await addAccount(fx.store, 'hank', 'admin');
      const token = await login(fx.app, 'hank');
      clock += 25 * 60_000;
      const renewed = (await keepAlive(token)).json().token as string;
      clock += 25 * 60_000;
      const again = (await keepAlive(renewed)).json().token as string;
      // Another process (or an admin) lowers the lifetime; the token itself is valid until +80 min.
      await fx.store.settings.set('sessionMaxHours', '1');
      clock += 15 * 60_000;
      await expectDead(again, 'SESSION_LIFETIME_EXCEEDED');
    } finally {
      clock = start;
      await fx.store.settings.set('sessionMaxHours', '12');
    }
  });
});

describe('sign-in itself', () => {
  it('still answers INVALID_CREDENTIALS for a disabled account with the right password', async () => {
    const id = await addAccount(fx.store, 'ivan', 'admin');
    expect((await patchAccount(id, { disabled: true })).statusCode).toBe(200);
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      headers: { authorization: basic('ivan', PASSWORD) },
    });
    expect(problemOf(res)).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
  });
});
