/**
 * Resume grace: a token this server accepted before its exp may keep resuming the SAME file
 * (Range requests) for a while after exp. Only tokens seen while valid qualify, so a token
 * leaked after expiry gains nothing. Memory is bounded (LRU by token fingerprint).
 */
import { Lru } from './lru.js';

/** What is remembered about an accepted token (never the token itself). */
export interface GraceEntry {
  /** Decoded request path the token was accepted for. */
  path: string;
  /** Token exp in seconds. */
  exp: number;
  keyLabel?: string;
  kid?: string;
  configurationId?: string;
}

/**
 * Where grace entries live: in-process, in the cluster primary behind IPC, or in-process backed by
 * the store shared by several nodes (`shared-grace.ts`).
 */
export interface GraceMemory {
  /** Records an accepted token; cheap, fire-and-forget. */
  remember(fingerprint: string, entry: GraceEntry): void;
  /** Finds the entry for this token and path; may ask another process. */
  lookup(fingerprint: string, path: string): Promise<GraceEntry | undefined>;
}

/** In-process grace memory. In cluster mode the primary holds one of these for all workers. */
export class LocalGraceMemory implements GraceMemory {
  readonly #lru: Lru<string, GraceEntry>;

  constructor(maxEntries: number) {
    this.#lru = new Lru(maxEntries);
  }

  // Keyed by token AND path: grace continues a file the token fetched, never opens another.
  remember(fingerprint: string, entry: GraceEntry): void {
    this.#lru.set(`${fingerprint}\u0000${entry.path}`, entry);
  }

  /** Synchronous lookup (the primary answers workers with it). */
  lookupSync(fingerprint: string, path: string): GraceEntry | undefined {
    return this.#lru.get(`${fingerprint}\u0000${path}`);
  }

  async lookup(fingerprint: string, path: string): Promise<GraceEntry | undefined> {
    return this.lookupSync(fingerprint, path);
  }

  /** Number of remembered tokens. */
  get size(): number {
    return this.#lru.size;
  }
}

/**
 * True when an expired token may continue: it was seen before exp for this path, the request
 * is a Range GET, and now is within exp + grace.
 */
export function graceAllows(
  entry: GraceEntry | undefined,
  req: { path: string; isRange: boolean },
  nowSec: number,
  graceSec: number,
): entry is GraceEntry {
  if (entry === undefined || graceSec <= 0 || !req.isRange) return false;
  return entry.path === req.path && nowSec <= entry.exp + graceSec;
}
