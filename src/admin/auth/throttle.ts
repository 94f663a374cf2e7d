/**
 * Brute-force brake for the password routes. Every attempt is reserved (counted) BEFORE its
 * password is hashed, in two buckets: the username (whatever address it comes from) and the
 * client address. While a bucket is within its budget, reserved-but-unsettled attempts count
 * like failures, so a parallel burst gets at most the budget of verdicts; past the budget each
 * failure locks the bucket for an exponentially growing delay and only one attempt at a time
 * may run. A success clears the username's settled failures (never those still in flight) and
 * never the address's. In memory on purpose: a restart forgets, which is acceptable for a
 * single-node admin listener.
 */
import { throttleAddress } from './client-address.js';

/** Tunables of the login throttle. */
export interface ThrottleOptions {
  /** Attempts per username before the exponential delay starts (default 5). */
  freeAttempts?: number;
  /** Attempts per client address before the exponential delay starts (default 20). */
  freeAttemptsPerAddress?: number;
  baseDelaySeconds?: number;
  maxDelaySeconds?: number;
  now?: () => number;
}

interface Bucket {
  /** Settled failures since the last success (username) or ever (address), until forgotten. */
  failures: number;
  /** Reserved attempts whose verdict is not known yet. */
  inFlight: number;
  lockedUntil: number;
  lastFailure: number;
}

/** One reserved attempt: settle it exactly once with its verdict. */
export interface Attempt {
  /** The password was wrong (or the user unknown): counts as a failure in both buckets. */
  fail(): void;
  /** The password was right: clears the username's settled failures. */
  succeed(): void;
  /** No verdict was reached (e.g. the hasher was busy): the attempt does not count. */
  cancel(): void;
}

/** The answer to `reserve`: an attempt to settle, or the seconds to wait. */
export type Reservation = { attempt: Attempt } | { retryAfter: number };

// Bounded memory: past this many buckets, forgotten ones are dropped, then the oldest idle ones.
const MAX_BUCKETS = 50_000;

/** Reserves sign-in attempts and tells callers how long to wait. */
export class LoginThrottle {
  readonly #buckets = new Map<string, Bucket>();
  readonly #freeUser: number;
  readonly #freeAddress: number;
  readonly #base: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(opts: ThrottleOptions = {}) {
    this.#freeUser = opts.freeAttempts ?? 5;
    this.#freeAddress = opts.freeAttemptsPerAddress ?? 20;
    this.#base = opts.baseDelaySeconds ?? 1;
    this.#max = opts.maxDelaySeconds ?? 900;
    this.#now = opts.now ?? Date.now;
  }

  /**
   * Counts an attempt for `username` from `address` before any hashing, or refuses it.
   * @example const r = throttle.reserve('alice', request.ip); if ('retryAfter' in r) refuse();
   */
  reserve(username: string, address: string): Reservation {
    const now = this.#now();
    const user = this.#bucket(`u\u0000${username.normalize('NFC').toLowerCase()}`, now);
    const addr = this.#bucket(`a\u0000${throttleAddress(address)}`, now);
    const wait = Math.max(
      this.#wait(user, this.#freeUser, now),
      this.#wait(addr, this.#freeAddress, now),
    );
    this.#prune(now);
    if (wait > 0) return { retryAfter: wait };
    user.inFlight += 1;
    addr.inFlight += 1;
    let settled = false;
    const settle = (verdict: 'fail' | 'succeed' | 'cancel') => {
      if (settled) return;
      settled = true;
      user.inFlight -= 1;
      addr.inFlight -= 1;
      if (verdict === 'fail') {
        const at = this.#now();
        this.#fail(user, this.#freeUser, at);
        this.#fail(addr, this.#freeAddress, at);
      } else if (verdict === 'succeed') {
        user.failures = 0;
        user.lockedUntil = 0;
      }
    };
    return {
      attempt: {
        fail: () => settle('fail'),
        succeed: () => settle('succeed'),
        cancel: () => settle('cancel'),
      },
    };
  }

  // Seconds to wait before this bucket admits another attempt (0 = now).
  #wait(b: Bucket, free: number, now: number): number {
    if (b.lockedUntil > now) return Math.ceil((b.lockedUntil - now) / 1000);
    if (b.failures + b.inFlight < free) return 0;
    // Past the budget attempts run one at a time, each after the previous failure's lock.
    if (b.failures >= free && b.inFlight === 0) return 0;
    return 1;
  }

  #fail(b: Bucket, free: number, now: number): void {
    b.failures += 1;
    b.lastFailure = now;
    const over = b.failures - free;
    if (over >= 0) {
      const delay = Math.min(this.#max, this.#base * 2 ** Math.min(over, 20));
      b.lockedUntil = Math.max(b.lockedUntil, now + delay * 1000);
    }
  }

  // Returns the live bucket for `key`, moved to the end of the map (most recently used).
  #bucket(key: string, now: number): Bucket {
    let b = this.#buckets.get(key);
    if (b && this.#forgettable(b, now)) b = undefined;
    b ??= { failures: 0, inFlight: 0, lockedUntil: 0, lastFailure: 0 };
    this.#buckets.delete(key);
    this.#buckets.set(key, b);
    return b;
  }

  // Failures are forgotten once the maximum delay has passed since the last one.
  #forgettable(b: Bucket, now: number): boolean {
    return b.inFlight === 0 && b.lockedUntil <= now && now - b.lastFailure > this.#max * 1000;
  }

  #prune(now: number): void {
    if (this.#buckets.size <= MAX_BUCKETS) return;
    for (const [key, b] of this.#buckets) {
      if (this.#forgettable(b, now)) this.#buckets.delete(key);
    }
    // Still too many: drop the least recently used buckets that have nothing in flight.
    for (const [key, b] of this.#buckets) {
      if (this.#buckets.size <= MAX_BUCKETS) break;
      if (b.inFlight === 0) this.#buckets.delete(key);
    }
  }
}
