/**
 * Brute-force brake for POST /api/v1/auth/token: failures are counted per username+client IP;
 * after `freeAttempts` failures each further attempt must wait an exponentially growing delay.
 * In memory on purpose: a restart forgets, which is acceptable for a single-node admin listener.
 */

/** Tunables of the login throttle. */
export interface ThrottleOptions {
  freeAttempts?: number;
  baseDelaySeconds?: number;
  maxDelaySeconds?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  lockedUntil: number;
  lastSeen: number;
}

/** Tracks failed sign-ins and tells callers how long to wait. */
export class LoginThrottle {
  readonly #entries = new Map<string, Entry>();
  readonly #free: number;
  readonly #base: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(opts: ThrottleOptions = {}) {
    this.#free = opts.freeAttempts ?? 5;
    this.#base = opts.baseDelaySeconds ?? 1;
    this.#max = opts.maxDelaySeconds ?? 900;
    this.#now = opts.now ?? Date.now;
  }

  #key(username: string, ip: string): string {
    return `${username.toLowerCase()}\u0000${ip}`;
  }

  /** Seconds the caller must still wait (0 = may try now). */
  retryAfter(username: string, ip: string): number {
    const entry = this.#entries.get(this.#key(username, ip));
    if (!entry) return 0;
    const wait = entry.lockedUntil - this.#now();
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  /** Records a failure; returns the lock (seconds) now in force. */
  fail(username: string, ip: string): number {
    const key = this.#key(username, ip);
    const now = this.#now();
    const entry = this.#entries.get(key) ?? { failures: 0, lockedUntil: 0, lastSeen: now };
    entry.failures += 1;
    entry.lastSeen = now;
    const over = entry.failures - this.#free;
    if (over >= 0) {
      const delay = Math.min(this.#max, this.#base * 2 ** Math.min(over, 20));
      entry.lockedUntil = now + delay * 1000;
    }
    this.#entries.set(key, entry);
    this.#prune(now);
    return this.retryAfter(username, ip);
  }

  /** Clears the counter after a successful sign-in. */
  succeed(username: string, ip: string): void {
    this.#entries.delete(this.#key(username, ip));
  }

  // Bounded memory: forget entries idle for longer than the maximum delay.
  #prune(now: number): void {
    if (this.#entries.size < 10_000) return;
    for (const [key, entry] of this.#entries) {
      if (now - entry.lastSeen > this.#max * 1000) this.#entries.delete(key);
    }
  }
}
