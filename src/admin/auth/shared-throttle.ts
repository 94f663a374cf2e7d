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

const digest = (key: string) => createHash('sha256').update(key).digest('hex');

/** Reserves sign-in attempts in the store's shared buckets. */
export class SharedLoginThrottle implements SignInThrottle {
  readonly #repo: ThrottleRepo;
  readonly #policy: ThrottlePolicy;
  readonly #now: () => number;
  #prunedAt = 0;

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
    const now = this.#now();
    const wait = await this.#repo.update(keys, IN_FLIGHT_MS, ([user, addr]) => {
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
    this.#maybePrune(now);
    if (wait > 0) return { retryAfter: wait };
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
      attempt: {
        fail: () => settle('fail'),
        succeed: () => settle('succeed'),
        cancel: () => settle('cancel'),
      },
    };
  }

  #maybePrune(now: number): void {
    if (now - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = now;
    // Best effort: a failed prune only leaves rows for the next one.
    this.#repo.prune(now - this.#policy.maxMs).catch(() => {});
  }
}
