/**
 * The sign-in throttle's rules on one bucket, shared by the in-memory throttle (one process)
 * and the store-backed one (several nodes): how long a bucket makes the next attempt wait, what
 * a failure costs, and when a bucket's past is forgotten.
 */

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

/** One username's or one address's count (times in epoch milliseconds). */
export interface Bucket {
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
  fail(): void | Promise<void>;
  /** The password was right: clears the username's settled failures. */
  succeed(): void | Promise<void>;
  /** No verdict was reached (e.g. the hasher was busy): the attempt does not count. */
  cancel(): void | Promise<void>;
}

/** The answer to `reserve`: an attempt to settle, or the seconds to wait. */
export type Reservation = { attempt: Attempt } | { retryAfter: number };

/** What the password routes need: reserve an attempt before hashing, or be told to wait. */
export interface SignInThrottle {
  reserve(username: string, address: string): Reservation | Promise<Reservation>;
}

/** The verdicts an attempt is settled with. */
export type Verdict = 'fail' | 'succeed' | 'cancel';

/** The budgets and delays of one throttle, applied to buckets. */
export class ThrottlePolicy {
  readonly freeUser: number;
  readonly freeAddress: number;
  readonly #base: number;
  readonly maxMs: number;

  constructor(opts: ThrottleOptions) {
    this.freeUser = opts.freeAttempts ?? 5;
    this.freeAddress = opts.freeAttemptsPerAddress ?? 20;
    this.#base = opts.baseDelaySeconds ?? 1;
    this.maxMs = (opts.maxDelaySeconds ?? 900) * 1000;
  }

  /** Seconds before the pair (username, address) admits another attempt (0 = now). */
  waitFor(user: Bucket, addr: Bucket, now: number): number {
    return Math.max(this.#wait(user, this.freeUser, now), this.#wait(addr, this.freeAddress, now));
  }

  /** Settles one reserved attempt on both buckets. */
  settle(user: Bucket, addr: Bucket, verdict: Verdict, now: number): void {
    user.inFlight = Math.max(0, user.inFlight - 1);
    addr.inFlight = Math.max(0, addr.inFlight - 1);
    if (verdict === 'fail') {
      this.#fail(user, this.freeUser, now);
      this.#fail(addr, this.freeAddress, now);
    } else if (verdict === 'succeed') {
      user.failures = 0;
      user.lockedUntil = 0;
    }
  }

  /** Failures are forgotten once the maximum delay has passed since the last one. */
  forgettable(b: Bucket, now: number): boolean {
    return b.inFlight === 0 && b.lockedUntil <= now && now - b.lastFailure > this.maxMs;
  }

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
      const delay = Math.min(this.maxMs, this.#base * 1000 * 2 ** Math.min(over, 20));
      b.lockedUntil = Math.max(b.lockedUntil, now + delay);
    }
  }
}

/** The bucket keys of an attempt: the username as the user would type it in any case, the address per /64. */
export function bucketKeys(
  username: string,
  address: string,
  throttleAddress: (a: string) => string,
) {
  return {
    user: `u\u0000${username.normalize('NFC').toLowerCase()}`,
    addr: `a\u0000${throttleAddress(address)}`,
  };
}
