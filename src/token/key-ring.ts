/**
 * The set of keys a verifier trusts. Replacing the keys bumps `generation`, which the verifier's
 * cache watches: a key removed from the ring stops its cached tokens at once.
 */

import type { VerificationKey } from '../contracts/verification-key.js';

// The key shape is a contract (key sources produce it without importing the verifier); it is
// re-exported here so the token API keeps offering it.
export type { VerificationKey } from '../contracts/verification-key.js';

/** An immutable-snapshot key ring with a generation counter. */
export class KeyRing {
  #keys: readonly VerificationKey[] = [];
  #byKid = new Map<string, VerificationKey[]>();
  #generation = 0;

  constructor(keys: VerificationKey[] = []) {
    this.replace(keys);
  }

  /** Swaps in a new key set atomically and bumps the generation. */
  replace(keys: VerificationKey[]): void {
    if (!Array.isArray(keys)) throw new TypeError('KeyRing.replace expects an array of keys');
    const byKid = new Map<string, VerificationKey[]>();
    for (const k of keys) {
      if (!k || typeof k !== 'object' || k.key === undefined || k.key === null) {
        throw new TypeError('Each VerificationKey needs a `key`');
      }
      if (k.kid !== undefined) {
        if (typeof k.kid !== 'string' || k.kid === '')
          throw new TypeError('VerificationKey.kid must be a non-empty string');
        const list = byKid.get(k.kid) ?? [];
        list.push(k);
        byKid.set(k.kid, list);
      }
    }
    this.#keys = Object.freeze([...keys]);
    this.#byKid = byKid;
    this.#generation++;
  }

  /** Number of keys. */
  get size(): number {
    return this.#keys.length;
  }

  /** Increases on every `replace`; caches compare it to drop stale results. */
  get generation(): number {
    return this.#generation;
  }

  /** All keys, in insertion order. */
  get keys(): readonly VerificationKey[] {
    return this.#keys;
  }

  /** Keys to try: with a kid, only keys carrying that kid; without, every key (the verifier bounds it). */
  candidates(kid: string | undefined): readonly VerificationKey[] {
    if (kid === undefined) return this.#keys;
    return this.#byKid.get(kid) ?? [];
  }
}
