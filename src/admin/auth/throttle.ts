/**
 * Brute-force brake for the password routes. Every attempt is reserved (counted) BEFORE its
 * password is hashed, in two buckets: the username (whatever address it comes from) and the
 * client address. While a bucket is within its budget, reserved-but-unsettled attempts count
 * like failures, so a parallel burst gets at most the budget of verdicts; past the budget each
 * failure locks the bucket for an exponentially growing delay and only one attempt at a time
 * may run. A success clears the username's settled failures (never those still in flight) and
 * never the address's. This one keeps its buckets in memory, for a single node (SQLite): a
 * restart forgets. With a PostgreSQL store `shared-throttle.ts` applies the same rules
 * (`throttle-policy.ts`) to buckets in the database.
 */
import { throttleAddress } from './client-address.js';
import {
  type Bucket,
  bucketKeys,
  type Reservation,
  type SignInThrottle,
  type ThrottleOptions,
  ThrottlePolicy,
  type Verdict,
} from './throttle-policy.js';

export type {
  Attempt,
  Reservation,
  SignInThrottle,
  ThrottleOptions,
} from './throttle-policy.js';

// Bounded memory: past this many buckets, forgotten ones are dropped, then the oldest idle ones.
const MAX_BUCKETS = 50_000;

/** Reserves sign-in attempts and tells callers how long to wait (one process). */
export class LoginThrottle implements SignInThrottle {
  readonly #buckets = new Map<string, Bucket>();
  readonly #policy: ThrottlePolicy;
  readonly #now: () => number;

  constructor(opts: ThrottleOptions = {}) {
    this.#policy = new ThrottlePolicy(opts);
    this.#now = opts.now ?? Date.now;
  }

  /**
   * Counts an attempt for `username` from `address` before any hashing, or refuses it.
   * @example const r = throttle.reserve('alice', request.ip); if ('retryAfter' in r) refuse();
   */
  reserve(username: string, address: string): Reservation {
    const now = this.#now();
    const keys = bucketKeys(username, address, throttleAddress);
    const user = this.#bucket(keys.user, now);
    const addr = this.#bucket(keys.addr, now);
    const wait = this.#policy.waitFor(user, addr, now);
    this.#prune(now);
    if (wait > 0) return { retryAfter: wait };
    user.inFlight += 1;
    addr.inFlight += 1;
    let settled = false;
    const settle = (verdict: Verdict) => {
      if (settled) return;
      settled = true;
      this.#policy.settle(user, addr, verdict, this.#now());
    };
    return {
      attempt: {
        fail: () => settle('fail'),
        succeed: () => settle('succeed'),
        cancel: () => settle('cancel'),
      },
    };
  }

  // Returns the live bucket for `key`, moved to the end of the map (most recently used).
  #bucket(key: string, now: number): Bucket {
    let b = this.#buckets.get(key);
    if (b && this.#policy.forgettable(b, now)) b = undefined;
    b ??= { failures: 0, inFlight: 0, lockedUntil: 0, lastFailure: 0 };
    this.#buckets.delete(key);
    this.#buckets.set(key, b);
    return b;
  }

  #prune(now: number): void {
    if (this.#buckets.size <= MAX_BUCKETS) return;
    for (const [key, b] of this.#buckets) {
      if (this.#policy.forgettable(b, now)) this.#buckets.delete(key);
    }
    // Still too many: drop the least recently used buckets that have nothing in flight.
    for (const [key, b] of this.#buckets) {
      if (this.#buckets.size <= MAX_BUCKETS) break;
      if (b.inFlight === 0) this.#buckets.delete(key);
    }
  }
}
