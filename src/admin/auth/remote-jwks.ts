/**
 * Fetching and caching the JWKS of external JWT servers under budgets an anonymous caller cannot
 * stretch: the whole fetch (headers and body) has one deadline, the body is read as a stream and
 * abandoned past a byte cap, each server has at most one fetch in flight (shared by every
 * request waiting on it), and a failed fetch is remembered for a while so a flood of tokens
 * naming a broken issuer costs one outbound request, not one each.
 */
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';

/** A key resolver for jwtVerify, made from one fetched JWKS document. */
export type JwksResolver = ReturnType<typeof createLocalJWKSet>;

/** Where fetch failures are reported (the detail never goes to the caller). */
export interface JwksLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

/** Budgets and timings of {@link RemoteJwksCache}. */
export interface RemoteJwksCacheOptions {
  /** Deadline for the whole fetch, headers and body (default 5000 ms). */
  timeoutMs?: number;
  /** Largest JWKS body accepted (default 256 KiB; real ones are a few KiB). */
  maxBytes?: number;
  /** Refetch a good JWKS after this long (default 10 minutes). */
  cacheMaxAgeMs?: number;
  /** Minimum time between refetches caused by an unknown kid (default 30 s). */
  cooldownMs?: number;
  /** How long a failed fetch is remembered before the next try (default 30 s). */
  failureTtlMs?: number;
  clock?: () => number;
  logger?: JwksLogger;
}

/** Thrown when no usable JWKS is available for a server (its detail is in the log). */
export class JwksUnavailable extends Error {
  override readonly name = 'JwksUnavailable';
}

interface Entry {
  url: string;
  resolver: JwksResolver | null;
  fetchedAt: number;
  failedAt: number | null;
  inflight: Promise<void> | null;
}

/** Default byte cap of a JWKS body. */
export const DEFAULT_JWKS_MAX_BYTES = 256 * 1024;
/** Default deadline of one JWKS fetch, headers and body. */
export const DEFAULT_JWKS_TIMEOUT_MS = 5000;

/** One cached JWKS per external JWT server id. */
export class RemoteJwksCache {
  readonly #entries = new Map<string, Entry>();
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #maxAgeMs: number;
  readonly #cooldownMs: number;
  readonly #failureTtlMs: number;
  readonly #clock: () => number;
  readonly #logger: JwksLogger | undefined;
  /** Outbound fetches started (for tests and metrics). */
  fetches = 0;

  constructor(opts: RemoteJwksCacheOptions = {}) {
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_JWKS_TIMEOUT_MS;
    this.#maxBytes = opts.maxBytes ?? DEFAULT_JWKS_MAX_BYTES;
    this.#maxAgeMs = opts.cacheMaxAgeMs ?? 600_000;
    this.#cooldownMs = opts.cooldownMs ?? 30_000;
    this.#failureTtlMs = opts.failureTtlMs ?? 30_000;
    this.#clock = opts.clock ?? Date.now;
    this.#logger = opts.logger;
  }

  /**
   * The key resolver of server `id` (JWKS at `url`). `refresh` asks for a newer copy than
   * `current` (after an unknown kid); it is granted at most once per cooldown.
   * @throws JwksUnavailable when no fetch of this JWKS has succeeded (or it recently failed)
   */
  async resolver(id: string, url: string, refresh?: JwksResolver): Promise<JwksResolver> {
    let e = this.#entries.get(id);
    if (e?.url !== url) {
      e = { url, resolver: null, fetchedAt: 0, failedAt: null, inflight: null };
      this.#entries.set(id, e);
    }
    const now = this.#clock();
    const age = now - e.fetchedAt;
    if (e.resolver && refresh === undefined && age < this.#maxAgeMs) return e.resolver;
    if (e.resolver && refresh !== undefined && (e.resolver !== refresh || age < this.#cooldownMs))
      return e.resolver;
    const failedRecently = e.failedAt !== null && now - e.failedAt < this.#failureTtlMs;
    if (!failedRecently) {
      const entry = e;
      entry.inflight ??= this.#fetch(id, entry).finally(() => {
        entry.inflight = null;
      });
      await entry.inflight;
    }
    // A stale copy beats none while the IdP is failing: its keys were good an hour ago.
    if (e.resolver) return e.resolver;
    throw new JwksUnavailable('no usable JWKS');
  }

  /** Forgets a server's JWKS (after its entry is edited or deleted). */
  forget(id: string): void {
    this.#entries.delete(id);
  }

  async #fetch(id: string, e: Entry): Promise<void> {
    this.fetches++;
    try {
      const doc = await fetchJwksDocument(e.url, {
        timeoutMs: this.#timeoutMs,
        maxBytes: this.#maxBytes,
      });
      e.resolver = createLocalJWKSet(doc as JSONWebKeySet);
      e.fetchedAt = this.#clock();
      e.failedAt = null;
    } catch (err) {
      e.failedAt = this.#clock();
      this.#logger?.warn(
        { jwtServerId: id, reason: (err as Error).message },
        'external JWT server: JWKS fetch failed; refusing its tokens until a retry succeeds',
      );
    }
  }
}

/**
 * GETs a JSON document with one deadline for headers and body and a streamed byte cap.
 * Redirects are not followed (a JWKS URL is configured exactly).
 * @throws Error with a short reason (for the log) on any failure
 */
export async function fetchJwksDocument(
  url: string,
  opts: { timeoutMs: number; maxBytes: number },
): Promise<unknown> {
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, opts.timeoutMs);
  try {
    const res = await fetch(url, {
      signal: abort.signal,
      redirect: 'manual',
      headers: { accept: 'application/jwk-set+json, application/json' },
    });
    if (res.status !== 200) throw new Error(`answered HTTP ${res.status}`);
    const declared = Number(res.headers.get('content-length') ?? Number.NaN);
    if (declared > opts.maxBytes) throw new Error(`declared ${declared} bytes, over the cap`);
    const body = await readCapped(res, opts.maxBytes);
    try {
      return JSON.parse(body);
    } catch {
      throw new Error('body is not JSON');
    }
  } catch (err) {
    if (timedOut) throw new Error(`no complete answer within ${opts.timeoutMs} ms`);
    if (err instanceof TypeError) throw new Error(`could not be fetched (${err.message})`);
    throw err;
  } finally {
    clearTimeout(timer);
    // Whatever is left of the body is not wanted: release the connection now.
    abort.abort();
  }
}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new Error(`body over the ${maxBytes}-byte cap`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
