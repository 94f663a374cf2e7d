/**
 * The sign-in throttle under concurrency (issue 10 §4): every attempt is reserved before its
 * password is hashed, so a parallel burst gets at most the budget of verdicts per username and
 * per client address and the rest are refused (429, Retry-After) without touching scrypt; a
 * full hasher queue sheds load with PASSWORD_HASHING_BUSY; X-Forwarded-For buys no budget.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { passwordHasher } from '../../src/store/password-hasher.js';
import { hashPassword } from '../../src/store/passwords.js';
import {
  type AdminFixture,
  addAccount,
  adminFixture,
  basic,
  PASSWORD,
  problemOf,
} from './helpers.js';

let fx: AdminFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const signIn = (
  username: string,
  password: string,
  extra: { remoteAddress?: string; headers?: Record<string, string> } = {},
) =>
  fx!.app.inject({
    method: 'POST',
    url: '/api/v1/auth/token',
    ...(extra.remoteAddress ? { remoteAddress: extra.remoteAddress } : {}),
    headers: { authorization: basic(username, password), ...extra.headers },
  });

/** Splits responses into verdicts (200/401) and throttle refusals (429), failing on anything else. */
function tally(responses: LightMyRequestResponse[]) {
  const verdicts = responses.filter((r) => r.statusCode === 200 || r.statusCode === 401);
  const refused = responses.filter((r) => r.statusCode === 429);
  expect(verdicts.length + refused.length).toBe(responses.length);
  for (const r of refused) {
    expect(problemOf(r).code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  }
  return { verdicts, refused };
}

describe('100 parallel guesses at one username', () => {
  for (const rightAt of [0, 50, 99]) {
    it(`give at most the budget (5) a verdict; the right one (#${rightAt}) only counts within it`, async () => {
      fx = await adminFixture();
      await addAccount(fx.store, 'alice', 'admin');
      const before = passwordHasher.accepted;
      const responses = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          signIn('alice', i === rightAt ? PASSWORD : `wrong guess number ${i}`),
        ),
      );
      const { verdicts, refused } = tally(responses);
      expect(verdicts.length).toBeLessThanOrEqual(5);
      expect(refused.length).toBeGreaterThanOrEqual(95);
      // Refusals came before scrypt: the hasher saw no more jobs than there were verdicts.
      expect(passwordHasher.accepted - before).toBe(verdicts.length);
      const right = responses[rightAt]!;
      if (right.statusCode === 200) expect(verdicts).toContain(right);
      else expect(right.statusCode).toBe(429);
      // The successes and failures that settled do not reopen the door for another burst.
      const second = tally(
        await Promise.all(Array.from({ length: 20 }, (_, i) => signIn('alice', `again ${i}`))),
      );
      expect(verdicts.length + second.verdicts.length).toBeLessThanOrEqual(10);
    });
  }
});

describe('the per-address budget', () => {
  it('bounds guesses spread over many usernames from one address', async () => {
    fx = await adminFixture({ throttle: { freeAttemptsPerAddress: 8 } });
    const { verdicts, refused } = tally(
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => signIn(`user-${i}`, 'some wrong password')),
      ),
    );
    expect(verdicts.length).toBeLessThanOrEqual(8);
    expect(refused.length).toBeGreaterThanOrEqual(32);
    // Another address is not affected by this one's budget.
    await addAccount(fx.store, 'alice', 'admin');
    expect((await signIn('alice', PASSWORD, { remoteAddress: '10.1.2.3' })).statusCode).toBe(200);
  });

  it('ignores X-Forwarded-For: a client cannot name itself a fresh address', async () => {
    fx = await adminFixture({ throttle: { freeAttemptsPerAddress: 3, baseDelaySeconds: 60 } });
    for (let i = 0; i < 3; i++) {
      expect((await signIn(`u${i}`, 'some wrong password')).statusCode).toBe(401);
    }
    for (const xff of ['203.0.113.9', '198.51.100.1, 127.0.0.1']) {
      const res = await signIn('fresh-name', 'some wrong password', {
        headers: { 'x-forwarded-for': xff, 'x-real-ip': xff },
      });
      expect(problemOf(res)).toMatchObject({ status: 429, code: 'TOO_MANY_ATTEMPTS' });
    }
  });

  it('counts an IPv6 /64 as one address', async () => {
    fx = await adminFixture({ throttle: { freeAttemptsPerAddress: 2, baseDelaySeconds: 60 } });
    expect(
      (await signIn('a', 'wrong password 1', { remoteAddress: '2001:db8:1:2::1' })).statusCode,
    ).toBe(401);
    expect(
      (await signIn('b', 'wrong password 2', { remoteAddress: '2001:db8:1:2::ffff' })).statusCode,
    ).toBe(401);
    const rotated = await signIn('c', 'wrong password 3', {
      remoteAddress: '2001:db8:1:2:aaaa::9',
    });
    expect(problemOf(rotated)).toMatchObject({ status: 429, code: 'TOO_MANY_ATTEMPTS' });
    // Another /64 has its own budget.
    expect(
      (await signIn('d', 'wrong password 4', { remoteAddress: '2001:db8:1:3::1' })).statusCode,
    ).toBe(401);
  });
});

describe('the bounded hasher queue', () => {
  it('sheds sign-ins with PASSWORD_HASHING_BUSY (503, Retry-After) and does not count them', async () => {
    fx = await adminFixture({ throttle: { freeAttempts: 1 } });
    await addAccount(fx.store, 'alice', 'admin');
    // Fill the queue from outside the throttle (as many concurrent account creations would).
    const filler = Array.from({ length: 32 }, () => hashPassword(PASSWORD).catch(() => 'busy'));
    await new Promise((r) => setImmediate(r));
    const shed = await signIn('alice', PASSWORD);
    expect(problemOf(shed)).toMatchObject({ status: 503, code: 'PASSWORD_HASHING_BUSY' });
    expect(shed.headers['retry-after']).toBe('1');
    // Stop the filler work instead of waiting ~32 hashes; the next hash starts a fresh worker.
    await passwordHasher.close();
    expect(await Promise.all(filler)).toEqual(Array(32).fill('busy'));
    // The shed attempt did not use up alice's budget of one.
    expect((await signIn('alice', PASSWORD)).statusCode).toBe(200);
  });
});
