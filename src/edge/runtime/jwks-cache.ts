/**
 * The keys a bundle verifies with: the embedded ones, plus (with a JWKS URL) the fetched set.
 * The fetched set is kept per isolate for JWKS_TTL_MS; a token naming an unknown kid triggers one
 * refetch, but never more often than REFETCH_MIN_INTERVAL_MS, and a kid still unknown after a
 * refetch is remembered (negative cache) so a flood of made-up kids costs no fetches at all.
 * A failed fetch keeps the last good set. No `node:` imports: this runs in workerd and Node.
 */
import { KeyRing, type VerificationKey } from '../../token/key-ring.js';
import { importRsaPublicJwk } from '../../token/webcrypto.js';
import type { EdgePublicJwk } from './config.js';

/** How long a fetched JWKS is used before it is fetched again. */
export const JWKS_TTL_MS = 10 * 60_000;
/** At most one refetch for unknown kids in this interval (per isolate). */
export const REFETCH_MIN_INTERVAL_MS = 30_000;
/** How long a kid absent from a fresh fetch is not fetched for again. */
export const UNKNOWN_KID_TTL_MS = 5 * 60_000;
const UNKNOWN_KIDS_MAX = 256;
const FETCH_TIMEOUT_MS = 5_000;
const MAX_JWKS_BYTES = 64 * 1024;
const MAX_JWKS_KEYS = 100;
// RSA 2048..8192 bits: base64url of the modulus without a leading zero byte.
const MIN_N_CHARS = 342;
const MAX_N_CHARS = 1366;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Something that answers a GET for the JWKS (globalThis.fetch by default). */
export type JwksFetch = (url: string, init: RequestInit) => Promise<Response>;

/** Options of {@link EdgeKeys}. */
export interface EdgeKeysInit {
  embedded: EdgePublicJwk[];
  jwksUrl?: string;
  fetch?: JwksFetch;
  clock?: () => number;
}

/** The key ring of one isolate. */
export class EdgeKeys {
  readonly #embedded: EdgePublicJwk[];
  readonly #jwksUrl: string | undefined;
  readonly #fetch: JwksFetch;
  readonly #clock: () => number;
  #embeddedKeys: Promise<VerificationKey[]> | undefined;
  #fetched: VerificationKey[] = [];
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #attemptAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | undefined;
  #ring: KeyRing | undefined;
  readonly #unknownKids = new Map<string, number>();
  /** Fetches made (for tests and the bench). */
  fetches = 0;

  constructor(init: EdgeKeysInit) {
    this.#embedded = init.embedded;
    this.#jwksUrl = init.jwksUrl;
    this.#fetch = init.fetch ?? ((url, req) => globalThis.fetch(url, req));
    this.#clock = init.clock ?? Date.now;
  }

  /** The ring to verify with now (fetching the JWKS first when it is missing or stale). */
  async ring(): Promise<KeyRing> {
    if (this.#jwksUrl !== undefined && this.#clock() - this.#fetchedAt > JWKS_TTL_MS) {
      // Join a fetch in flight (a cold isolate's first requests all wait for the one fetch).
      const due = this.#clock() - this.#attemptAt >= REFETCH_MIN_INTERVAL_MS;
      if (due || this.#inflight !== undefined) await this.#refresh();
    }
    if (this.#ring === undefined) {
      this.#embeddedKeys ??= Promise.all(this.#embedded.map(importEmbedded));
      this.#ring = new KeyRing([...(await this.#embeddedKeys), ...this.#fetched]);
    }
    return this.#ring;
  }

  /**
   * After KEY_NOT_FOUND: refetches the JWKS if the bounds allow and returns the new ring, or
   * null when nothing new can be learnt (no JWKS URL, too soon, or a kid known to be unknown).
   */
  async refreshForUnknown(kid: string | undefined): Promise<KeyRing | null> {
    if (this.#jwksUrl === undefined) return null;
    const now = this.#clock();
    if (kid !== undefined && (this.#unknownKids.get(kid) ?? 0) > now) return null;
    const inflight = this.#inflight !== undefined;
    if (!inflight && now - this.#attemptAt < REFETCH_MIN_INTERVAL_MS) return null;
    await this.#refresh();
    const ring = await this.ring();
    if (kid !== undefined && ring.candidates(kid).length === 0) {
      if (this.#unknownKids.size >= UNKNOWN_KIDS_MAX) this.#unknownKids.clear();
      this.#unknownKids.set(kid, this.#clock() + UNKNOWN_KID_TTL_MS);
    }
    return ring;
  }

  /**
   * One fetch at a time; concurrent callers wait for the same one, but never longer than the
   * fetch deadline: in workerd the fetch belongs to the request that started it, and if that
   * request is cancelled its promise may never settle for the others.
   */
  #refresh(): Promise<void> {
    this.#inflight ??= this.#load().finally(() => {
      this.#inflight = undefined;
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, FETCH_TIMEOUT_MS + 1_000);
    });
    return Promise.race([this.#inflight, deadline]).finally(() => clearTimeout(timer));
  }

  async #load(): Promise<void> {
    this.#attemptAt = this.#clock();
    this.fetches++;
    try {
      const jwks = await fetchJwks(this.#fetch, this.#jwksUrl!);
      // A member WebCrypto will not import (an odd exponent) is skipped, not fatal to the set.
      const imported = await Promise.allSettled(jwks.map(importEmbedded));
      this.#fetched = imported.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      this.#fetchedAt = this.#clock();
      this.#ring = undefined;
      this.#unknownKids.clear();
    } catch {
      // Keep the last good set; the next attempt waits REFETCH_MIN_INTERVAL_MS.
    }
  }
}

function importEmbedded(jwk: EdgePublicJwk): Promise<VerificationKey> {
  return importRsaPublicJwk(jwk).then((key) => ({ kid: jwk.kid, alg: 'RS256', key }));
}

/** GETs the JWKS under a deadline and a byte cap; keeps only RS256-usable public RSA members. */
async function fetchJwks(fetcher: JwksFetch, url: string): Promise<EdgePublicJwk[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
  try {
    const res = await fetcher(url, {
      signal: abort.signal,
      redirect: 'manual',
      headers: { accept: 'application/jwk-set+json, application/json' },
    });
    if (res.status !== 200) throw new Error('status');
    const text = await readCapped(res, MAX_JWKS_BYTES);
    return publicMembers(JSON.parse(text));
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw new Error('too large');
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(all);
}

/**
 * The usable members of a JWKS document: RSA, RS256 (or no alg), use sig (or none), a kid, and
 * a 2048–8192-bit modulus. Private members are never read; other keys are skipped, not fatal,
 * since a shared JWKS may also list keys for other algorithms.
 */
export function publicMembers(doc: unknown): EdgePublicJwk[] {
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { keys?: unknown }).keys)) {
    throw new Error('not a JWKS');
  }
  const out: EdgePublicJwk[] = [];
  for (const member of (doc as { keys: unknown[] }).keys.slice(0, MAX_JWKS_KEYS)) {
    if (typeof member !== 'object' || member === null) continue;
    const { kty, n, e, kid, alg, use } = member as Record<string, unknown>;
    if (kty !== 'RSA' || (alg !== undefined && alg !== 'RS256')) continue;
    if (use !== undefined && use !== 'sig') continue;
    if (typeof kid !== 'string' || kid === '' || kid.length > 256) continue;
    if (typeof n !== 'string' || !BASE64URL.test(n)) continue;
    if (n.length < MIN_N_CHARS || n.length > MAX_N_CHARS) continue;
    if (typeof e !== 'string' || !BASE64URL.test(e) || e.length > 8) continue;
    out.push({ kty: 'RSA', n, e, kid });
  }
  return out;
}
