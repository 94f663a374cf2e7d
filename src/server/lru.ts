/**
 * Memoises a pure function of a string in a Map that is emptied once it holds `max` entries:
 * cheaper per hit than an LRU (no reordering), for values that are cheap to recompute and asked
 * for again and again (checked request paths, token fingerprints).
 */
export function memoize<T>(max: number, compute: (key: string) => T): (key: string) => T {
  const memo = new Map<string, T>();
  return (key) => {
    let value = memo.get(key);
    if (value === undefined) {
      if (memo.size >= max) memo.clear();
      value = compute(key);
      memo.set(key, value);
    }
    return value;
  };
}

/**
 * {@link memoize} for long keys (tokens): the Map is keyed by `shortKey(key)` (for a token, its end:
 * {@link tokenMapKey}), because V8 hashes a string key in full the first time it is used and each
 * request's token is a new string. The entry keeps the whole key and a hit must equal it; a
 * different key with the same short key is computed and replaces it.
 */
export function memoizeByShortKey<T>(
  max: number,
  shortKey: (key: string) => string,
  compute: (key: string) => T,
): (key: string) => T {
  const memo = new Map<string, { key: string; value: T }>();
  return (key) => {
    const short = shortKey(key);
    const hit = memo.get(short);
    if (hit !== undefined && hit.key === key) return hit.value;
    if (hit === undefined && memo.size >= max) memo.clear();
    const value = compute(key);
    memo.set(short, { key, value });
    return value;
  };
}

/** A small Map-based LRU bounded by entry count and, optionally, by total weight (bytes). */
export class Lru<K, V> {
  readonly #map = new Map<K, { value: V; weight: number }>();
  #weight = 0;

  constructor(
    readonly maxEntries: number,
    readonly maxWeight = Number.POSITIVE_INFINITY,
  ) {
    if (!(maxEntries >= 0)) throw new TypeError('Lru maxEntries must be >= 0');
  }

  /** Returns the value and marks it most recently used. */
  get(key: K): V | undefined {
    const entry = this.#map.get(key);
    if (entry === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, entry);
    return entry.value;
  }

  /** Inserts or replaces; evicts least recently used entries to stay within bounds. */
  set(key: K, value: V, weight = 0): void {
    if (this.maxEntries === 0 || weight > this.maxWeight) return;
    this.delete(key);
    this.#map.set(key, { value, weight });
    this.#weight += weight;
    while (this.#map.size > this.maxEntries || this.#weight > this.maxWeight) {
      const oldest = this.#map.keys().next().value as K;
      this.delete(oldest);
    }
  }

  /** Removes a key if present. */
  delete(key: K): void {
    const entry = this.#map.get(key);
    if (entry === undefined) return;
    this.#map.delete(key);
    this.#weight -= entry.weight;
  }

  /** Number of entries. */
  get size(): number {
    return this.#map.size;
  }

  /** Total weight of the entries. */
  get weight(): number {
    return this.#weight;
  }
}
