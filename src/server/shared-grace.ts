/**
 * Resume grace across nodes: this process's own memory first, the store (`GraceStore`, shared by
 * every node on a PostgreSQL database) behind it. A download never waits for the database:
 * first uses are written behind, in batches, and only a token this node has not seen yet is
 * queued. Only the grace path (an expired token asking to resume) may wait for a lookup. With
 * the database away grace falls back to this node's memory: what it saw itself still resumes.
 */
import type { GraceRecord, GraceStore } from '../contracts/grace-store.js';
import { type GraceEntry, type GraceMemory, LocalGraceMemory } from './grace.js';
import { Lru } from './lru.js';

/** First uses queued for the next batch at most (beyond, grace stays local: best effort). */
const MAX_PENDING = 10_000;
/** How long a first use may wait before its batch is written. */
const FLUSH_MS = 200;
/** How long a grace lookup may wait for the database before this node's memory decides. */
const LOOKUP_BUDGET_MS = 1000;
/**
 * A miss in the database is believed this long: a client repeating Range requests with an
 * expired token nobody saw costs one lookup per window, not one per request.
 */
const MISS_TTL_MS = 2000;
/** Misses remembered at most. */
const MAX_MISSES = 10_000;
/** Expired records are deleted at most this often, by each node. */
const PURGE_EVERY_MS = 60_000;

/** Options of {@link SharedGraceMemory}. */
export interface SharedGraceOptions {
  store: GraceStore;
  /** Entries kept in this process (the local LRU). */
  maxEntries: number;
  /** The resume-grace period in seconds (how long after exp a record is of use). */
  graceSeconds: number;
  /** Wall clock in ms. */
  clock?: () => number;
  /** Told about writes and lookups that failed (the database is away). */
  onError?: (err: unknown) => void;
}

/** Grace memory backed by the shared store. */
export class SharedGraceMemory implements GraceMemory {
  readonly #local: LocalGraceMemory;
  readonly #pending = new Map<string, GraceRecord>();
  readonly #opts: SharedGraceOptions;
  readonly #clock: () => number;
  readonly #misses = new Lru<string, number>(MAX_MISSES);
  #timer: NodeJS.Timeout | null = null;
  #purgedAt = 0;

  constructor(opts: SharedGraceOptions) {
    this.#opts = opts;
    this.#local = new LocalGraceMemory(opts.maxEntries);
    this.#clock = opts.clock ?? Date.now;
  }

  /** Remembers locally at once; queues the first use for the database if it is new here. */
  remember(fingerprint: string, entry: GraceEntry): void {
    const known = this.#local.lookupSync(fingerprint, entry.path) !== undefined;
    this.#local.remember(fingerprint, entry);
    if (known || this.#pending.size >= MAX_PENDING) return;
    const record: GraceRecord = {
      fingerprint,
      ...entry,
      keepUntil: entry.exp + this.#opts.graceSeconds,
    };
    this.#pending.set(`${fingerprint}\u0000${entry.path}`, record);
    this.#timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  /** This node's memory, else the shared record (the grace path only). */
  async lookup(fingerprint: string, path: string): Promise<GraceEntry | undefined> {
    const local = this.#local.lookupSync(fingerprint, path);
    if (local) return local;
    const key = `${fingerprint}\u0000${path}`;
    const queued = this.#pending.get(key);
    if (queued) return queued;
    const missedAt = this.#misses.get(key);
    // Real time, not the token clock: this bounds a request rate.
    if (missedAt !== undefined && Date.now() - missedAt < MISS_TTL_MS) return undefined;
    let found: GraceRecord | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      // A database that does not answer (a failover, a dead route) costs the resume a second,
      // not the pool's connection timeout.
      found = await Promise.race([
        this.#opts.store.find(fingerprint, path, this.#clock() / 1000),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('resume grace lookup timed out')),
            LOOKUP_BUDGET_MS,
          );
        }),
      ]);
    } catch (err) {
      this.#opts.onError?.(err);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
    if (!found) {
      this.#misses.set(key, Date.now());
      return undefined;
    }
    const { fingerprint: _fp, keepUntil: _k, ...entry } = found;
    this.#local.remember(fingerprint, entry);
    return entry;
  }

  /** Writes the queued first uses (dropped if the database is away) and purges now and then. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const batch = [...this.#pending.values()];
    this.#pending.clear();
    try {
      await this.#opts.store.record(batch);
      const now = this.#clock();
      if (now - this.#purgedAt >= PURGE_EVERY_MS) {
        this.#purgedAt = now;
        await this.#opts.store.purge(now / 1000);
      }
    } catch (err) {
      this.#opts.onError?.(err);
    }
  }
}
