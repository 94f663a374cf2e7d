/**
 * The sign-in throttle for several nodes on one PostgreSQL store: the same rules as the
 * in-memory throttle (`throttle-policy.ts`), applied to buckets in the database, so a username
 * or address throttled on node A is throttled on node B. Each reservation and each verdict is
 * one short transaction that locks only the two buckets concerned; the reservation still comes
 * before any hashing. Keys reach the database as SHA-256 digests: it never holds what someone
 * typed as a username. When the database cannot be reached `reserve` rejects (the route answers
 * 503 STORE_UNAVAILABLE): sign-in fails closed rather than running unthrottled.
 */
import { createHash } from 'node:crypto';
import type { ThrottleRepo } from '../../store/types.js';
import { throttleAddress } from './client-address.js';
import {
  type Attempt,
  bucketKeys,
  type Reservation,
  type SignInThrottle,
  type ThrottleOptions,
  ThrottlePolicy,
  type Verdict,
} from './throttle-policy.js';

/**
 * A reserved attempt not settled within this long (its node died mid-check) stops counting;
 * longer than any password check, including a queue behind a busy hasher.
 */
const IN_FLIGHT_MS = 60_000;
/** Forgotten buckets are deleted at most this often, by whichever node reserves next. */
const PRUNE_EVERY_MS = 60_000;
/**
 * Reservations talking to the database at once, and waiting for that, per process: a sign-in
 * flood must not take the pool the audit writer and key polls share. Past both, a reservation is
 * refused at once (Retry-After 1) without touching the database: closed, like a locked bucket.
 */
const MAX_ACTIVE = 4;
const MAX_WAITING = 64;

const digest = (key: string) => createHash('sha256').update(key).digest('hex');

/** Reserves sign-in attempts in the store's shared buckets. */
export class SharedLoginThrottle implements SignInThrottle {
  readonly #repo: ThrottleRepo;
  readonly #policy: ThrottlePolicy;
  readonly #now: () => number;
  #prunedAt = 0;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(repo: ThrottleRepo, opts: ThrottleOptions = {}) {
    this.#repo = repo;
    this.#policy = new ThrottlePolicy(opts);
    this.#now = opts.now ?? Date.now;
  }

  /**
   * Counts an attempt for `username` from `address` in the database before any hashing, or
   * refuses it; rejects with STORE_UNAVAILABLE when the database is away.
   */
  async reserve(username: string, address: string): Promise<Reservation> {
    const k = bucketKeys(username, address, throttleAddress);
    const keys = [digest(k.user), digest(k.addr)];
    if (!(await this.#enter())) return { retryAfter: 1 };
    const now = this.#now();
    let wait: number;
    try {
      wait = await this.#count(keys, now);
    } finally {
      this.#leave();
    }
    this.#maybePrune(now);
    if (wait > 0) return { retryAfter: wait };
    return { attempt: this.#attempt(keys) };
  }

  // Counts the attempt in both buckets unless one makes it wait; returns the seconds to wait.
  #count(keys: string[], now: number): Promise<number> {
    return this.#repo.update(keys, IN_FLIGHT_MS, ([user, addr]) => {
      for (const b of [user!, addr!]) {
        if (this.#policy.forgettable(b, now)) Object.assign(b, { failures: 0, lockedUntil: 0 });
      }
      const w = this.#policy.waitFor(user!, addr!, now);
      if (w === 0) {
        user!.inFlight += 1;
        addr!.inFlight += 1;
      }
      return w;
    });
  }

  // The reserved attempt: its verdict is written to both buckets once.
  #attempt(keys: string[]): Attempt {
    let settled = false;
    const settle = async (verdict: Verdict) => {
      if (settled) return;
      settled = true;
      const at = this.#now();
      await this.#repo.update(keys, IN_FLIGHT_MS, ([user, addr]) =>
        this.#policy.settle(user!, addr!, verdict, at),
      );
    };
    return {
      fail: () => settle('fail'),
      succeed: () => settle('succeed'),
      cancel: () => settle('cancel'),
    };
  }

  // A slot to talk to the database, or false when too many are already waiting for one.
  async #enter(): Promise<boolean> {
    if (this.#active < MAX_ACTIVE) {
      this.#active++;
      return true;
    }
    if (this.#waiting.length >= MAX_WAITING) return false;
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
    return true;
  }

  // Hands the slot to the next waiter, or frees it.
  #leave(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#active--;
  }

  #maybePrune(now: number): void {
    if (now - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = now;
    // Best effort: a failed prune only leaves rows for the next one.
    this.#repo.prune(now - this.#policy.maxMs).catch(() => {});
  }
}
