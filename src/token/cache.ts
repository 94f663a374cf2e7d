/**
 * A bounded LRU of verified tokens, by the exact token string. Only successes are stored.
 * An entry is served only inside its validity window (nbf/iat − leeway … exp + leeway) and only
 * while the key ring generation it was verified under is current.
 */

interface Entry<T> {
  /** The whole token: the Maps are keyed by its end only (see {@link tokenMapKey}). */
  token: string;
  value: T;
  validFrom: number;
  validUntil: number;
}

/** Characters of a token's end that key a Map of tokens: the last bytes of its signature. */
const KEY_CHARS = 24;

/**
 * The Map key for a token: its end. V8 hashes a string key in full the first time it is used, and
 * each request's token is a new string: ~0.7 µs per request for a 400-character Jamf token (perf,
 * bench:serve (a), Node 24). A Map keyed this way must keep the whole token in its entry and
 * answer only when it is equal (two tokens may share an end). Also keys the listener's
 * fingerprint memo.
 */
export function tokenMapKey(token: string): string {
  return token.length <= KEY_CHARS ? token : token.slice(-KEY_CHARS);
}

/** Hit/miss counters plus current size. */
export interface CacheStats {
  hits: number;
  misses: number;
  size: number;
}

/**
 * An approximate LRU of verification results in two generations of Maps (the "hashlru" scheme of
 * `quick-lru`/`ylru`): new entries go into the current Map; when it holds half the cache, it becomes
 * the previous one and the old previous is dropped whole. A hit in the previous generation moves
 * the entry to the current one, so a token asked for at least once per `max / 2` new tokens (a
 * resuming device) is never evicted. Nothing ever iterates a Map: evicting the oldest entry through
 * `map.keys().next()` made V8 skip every deleted slot before it, 5.5 µs per fresh token once the
 * cache was full (0.12 µs this way, same run; docs/decisions.md, issue 17).
 */
export class VerificationCache<T> {
  readonly #half: number;
  readonly #single: boolean;
  #current = new Map<string, Entry<T>>();
  #previous = new Map<string, Entry<T>>();
  #generation = -1;
  #hits = 0;
  #misses = 0;

  constructor(maxEntries = 10_000) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new TypeError('cache.maxEntries must be an integer >= 1');
    }
    // Two generations of at most half each: never more than maxEntries in all (1 for a cache of 1).
    this.#half = Math.max(1, Math.floor(maxEntries / 2));
    this.#single = maxEntries === 1;
  }

  /** Returns the cached value when still valid at `now` under `generation`, else undefined. */
  get(token: string, now: number, generation: number): T | undefined {
    if (generation !== this.#generation) this.#reset(generation);
    const key = tokenMapKey(token);
    let entry = this.#current.get(key);
    if (entry === undefined) {
      entry = this.#previous.get(key);
      if (
        entry !== undefined &&
        entry.token === token &&
        now >= entry.validFrom &&
        now < entry.validUntil
      ) {
        // In use again: promote it out of the generation that is dropped next.
        this.#previous.delete(key);
        this.#insert(key, entry);
      }
    }
    // Another token with the same end is a miss and stays where it is.
    if (entry !== undefined && entry.token !== token) entry = undefined;
    if (entry === undefined || now < entry.validFrom || now >= entry.validUntil) {
      if (entry !== undefined && now >= entry.validUntil) this.#delete(key);
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    return entry.value;
  }

  /** Stores a success; a full current generation pushes the previous one out. */
  set(token: string, value: T, validFrom: number, validUntil: number, generation: number): void {
    if (generation !== this.#generation) this.#reset(generation);
    const key = tokenMapKey(token);
    this.#delete(key);
    this.#insert(key, { token, value, validFrom, validUntil });
  }

  #insert(key: string, entry: Entry<T>): void {
    if (this.#current.size >= this.#half) {
      this.#previous = this.#single ? new Map() : this.#current;
      this.#current = new Map();
    }
    this.#current.set(key, entry);
  }

  #delete(key: string): void {
    this.#current.delete(key);
    this.#previous.delete(key);
  }

  #reset(generation: number): void {
    // The key set changed: every stored result may rest on a key that is gone.
    this.#current.clear();
    this.#previous.clear();
    this.#generation = generation;
  }

  /** Drops every entry. */
  clear(): void {
    this.#current.clear();
    this.#previous.clear();
  }

  /** Counters since construction. */
  stats(): CacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      size: this.#current.size + this.#previous.size,
    };
  }
}
