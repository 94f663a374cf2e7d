/**
 * The sign-in throttle's bookkeeping on a frozen clock: reservations count before a verdict,
 * a success clears neither attempts still in flight nor the address budget, a cancelled attempt
 * costs nothing, failures are forgotten after the maximum delay; and which peer address is
 * counted (IPv4-mapped as IPv4, IPv6 per /64).
 */
import { describe, expect, it } from 'vitest';
import { throttleAddress } from '../../src/admin/auth/client-address.js';
import { type Attempt, LoginThrottle, type Reservation } from '../../src/admin/auth/throttle.js';

let clock = 1_000_000;
const make = () =>
  new LoginThrottle({ freeAttempts: 3, freeAttemptsPerAddress: 5, now: () => clock });
const attempt = (r: Reservation): Attempt => {
  if ('retryAfter' in r) throw new Error(`refused for ${r.retryAfter} s`);
  return r.attempt;
};
const refused = (r: Reservation) => ('retryAfter' in r ? r.retryAfter : 0);

describe('LoginThrottle', () => {
  it('counts attempts in flight: a success does not free the slots of parallel failures', () => {
    const t = make();
    const a = [0, 1, 2].map(() => attempt(t.reserve('alice', '192.0.2.1')));
    expect(refused(t.reserve('alice', '192.0.2.1'))).toBe(1);
    a[0]!.succeed();
    // Two attempts are still in flight, and the success left them counted: one slot is free.
    const fourth = attempt(t.reserve('alice', '192.0.2.1'));
    expect(refused(t.reserve('ALICE', '192.0.2.9'))).toBe(1);
    a[1]!.fail();
    a[2]!.fail();
    fourth.fail();
    // Three failures settled after the success: the username is locked (1 s, then doubling).
    expect(refused(t.reserve('alice', '198.51.100.7'))).toBe(1);
  });

  it('never clears the address budget on success', () => {
    const t = make();
    for (let i = 0; i < 4; i++) attempt(t.reserve(`user${i}`, '192.0.2.2')).fail();
    attempt(t.reserve('mine', '192.0.2.2')).succeed();
    attempt(t.reserve('user9', '192.0.2.2')).fail();
    expect(refused(t.reserve('another', '192.0.2.2'))).toBeGreaterThan(0);
    expect(refused(t.reserve('another', '192.0.2.3'))).toBe(0);
  });

  it('does not count a cancelled attempt, and settles each attempt once', () => {
    const t = make();
    for (let i = 0; i < 10; i++) attempt(t.reserve('bob', '192.0.2.4')).cancel();
    const a = attempt(t.reserve('bob', '192.0.2.4'));
    a.fail();
    a.fail();
    a.fail();
    expect(refused(t.reserve('bob', '192.0.2.4'))).toBe(0);
  });

  it('forgets failures once the maximum delay has passed since the last one', () => {
    const t = new LoginThrottle({ freeAttempts: 1, maxDelaySeconds: 60, now: () => clock });
    attempt(t.reserve('carol', '192.0.2.5')).fail();
    expect(refused(t.reserve('carol', '192.0.2.5'))).toBe(1);
    clock += 61_000;
    attempt(t.reserve('carol', '192.0.2.5')).fail();
    expect(refused(t.reserve('carol', '192.0.2.5'))).toBe(1);
  });
});

describe('throttleAddress', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:192.0.2.1', '192.0.2.1'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002::', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('%s counts as %s', (ip, key) => {
    expect(throttleAddress(ip)).toBe(key);
  });
});
