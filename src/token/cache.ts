/**
 * A bounded LRU of verified tokens keyed by the exact token string. Only successes are stored.
 * An entry is served only inside its validity window (nbf/iat − leeway … exp + leeway) and only
 * while the key ring generation it was verified under is current.
 */

interface Entry<T> {
  value: T;
  validFrom: number;
  validUntil: number;
  generation: number;
  /** Placement number when the entry last moved to the recent end. */
  placed: number;
}

/** Hit/miss counters plus current size. */
export interface CacheStats {
  hits: number;
  misses: number;
  size: number;
}

/**
 * LRU cache of verification results (a Map keeps insertion order; re-insert = most recent).
 * A hit re-inserts only an entry placed more than half the cache's size ago: a hot token is
 * then moved at least once per max/2 placements, long before it could reach the old end, and a
 * token reused on every request (a resuming device) costs one lookup instead of a delete and an
 * insert each time.
 */
export class VerificationCache<T> {
  readonly #max: number;
  readonly #map = new Map<string, Entry<T>>();
  #placements = 0;
  #generation = -1;
  #hits = 0;
  #misses = 0;

  constructor(maxEntries = 10_000) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new TypeError('cache.maxEntries must be an integer >= 1');
    }
    this.#max = maxEntries;
  }

  /** Returns the cached value when still valid at `now` under `generation`, else undefined. */
  get(token: string, now: number, generation: number): T | undefined {
    if (generation !== this.#generation) {
      // The key set changed: every stored result may rest on a key that is gone.
      this.#map.clear();
      this.#generation = generation;
    }
    const entry = this.#map.get(token);
    if (entry === undefined || now < entry.validFrom || now >= entry.validUntil) {
      if (entry !== undefined && now >= entry.validUntil) this.#map.delete(token);
      this.#misses++;
      return undefined;
    }
    if (this.#placements - entry.placed >= this.#max / 2) {
      this.#map.delete(token);
      this.#map.set(token, entry);
      entry.placed = ++this.#placements;
    }
    this.#hits++;
    return entry.value;
  }

  /** Stores a success, evicting the least recently used entry when full. */
  set(token: string, value: T, validFrom: number, validUntil: number, generation: number): void {
    if (generation !== this.#generation) {
      this.#map.clear();
      this.#generation = generation;
    }
    this.#map.delete(token);
    if (this.#map.size >= this.#max) {
      const oldest = this.#map.keys().next().value;
      if (oldest !== undefined) this.#map.delete(oldest);
    }
    this.#map.set(token, { value, validFrom, validUntil, generation, placed: ++this.#placements });
  }

  /** Drops every entry. */
  clear(): void {
    this.#map.clear();
  }

  /** Counters since construction. */
  stats(): CacheStats {
    return { hits: this.#hits, misses: this.#misses, size: this.#map.size };
  }
}
