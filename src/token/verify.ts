/**
 * The verification pipeline, pure (no `node:` imports; the signature backend is injected):
 * size cap → split → header → alg allow-list → header policy → key selection → signature → claims.
 * The signature is always checked before any claim, so an expired token with a bad signature is
 * SIGNATURE_INVALID, and claim JSON is parsed only once the signature holds.
 */

import { asciiBytes } from './base64url.js';
import { VerificationCache } from './cache.js';
import { checkClaims, isNumericDate } from './claims.js';
import {
  decodeJsonSegment,
  decodeSegmentBytes,
  decodeSignatureSegment,
  parseJsonBytes,
  splitToken,
} from './decode.js';
import { TokenError } from './errors.js';
import { checkHeader } from './header.js';
import type { KeyRing, VerificationKey } from './key-ring.js';
import { type ResolvedOptions, resolveOptions, type VerifyOptions } from './policy.js';

/** Synchronous signature check (node:crypto). Returns false for a wrong signature; never throws on bad input. */
export interface SignatureBackend {
  verify(alg: string, key: unknown, signingInput: Uint8Array, signature: Uint8Array): boolean;
}

/** Asynchronous signature check (WebCrypto). */
export interface AsyncSignatureBackend {
  verify(
    alg: string,
    key: unknown,
    signingInput: Uint8Array,
    signature: Uint8Array,
  ): Promise<boolean>;
}

/** A token that passed every check. `header` and `claims` are frozen. */
export interface VerifiedToken {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  key: VerificationKey;
  /** exp in seconds (Infinity when exp is absent and not required). */
  expiresAt: number;
  /** True when served from the verifier cache. */
  cached: boolean;
}

interface Prepared {
  payload: Uint8Array;
  header: Readonly<Record<string, unknown>>;
  alg: string;
  candidates: readonly VerificationKey[];
  signature: Uint8Array;
  input: Uint8Array;
}

/** A header that passed the alg allow-list and header policy. */
interface CheckedHeaderEntry {
  header: Readonly<Record<string, unknown>>;
  alg: string;
  kid: string | undefined;
}

/** Checked headers by exact segment text. Jamf sends one header for every token, so this skips
 * decode + JSON + policy for it; only successes are stored, and options never change per verifier. */
type HeaderMemo = Map<string, CheckedHeaderEntry>;
const HEADER_MEMO_MAX = 64;

function checkedHeader(
  segment: string,
  options: ResolvedOptions,
  memo?: HeaderMemo,
): CheckedHeaderEntry {
  const hit = memo?.get(segment);
  if (hit !== undefined) return hit;
  const header = Object.freeze(decodeJsonSegment(segment, 'header'));
  const entry = { header, ...checkHeader(header, options) };
  if (memo !== undefined) {
    if (memo.size >= HEADER_MEMO_MAX) memo.clear();
    memo.set(segment, entry);
  }
  return entry;
}

/** Keys to try: matching kid and alg, at most maxKeysTried; allocates only when it must filter. */
function selectKeys(
  keyRing: KeyRing,
  kid: string | undefined,
  alg: string,
  max: number,
): readonly VerificationKey[] {
  let keys = keyRing.candidates(kid);
  if (keys.some((k) => k.alg !== undefined && k.alg !== alg)) {
    keys = keys.filter((k) => k.alg === undefined || k.alg === alg);
  }
  return keys.length > max ? keys.slice(0, max) : keys;
}

/** Steps up to (not including) the signature: all cheap, all structural. */
function prepare(
  token: unknown,
  options: ResolvedOptions,
  keyRing: KeyRing,
  memo?: HeaderMemo,
): Prepared {
  // Size first: nothing is decoded for an oversized token.
  if (typeof token === 'string' && token.length > options.maxTokenLength) {
    throw new TokenError('TOKEN_TOO_LARGE');
  }
  const parts = splitToken(token);
  const { header, alg, kid } = checkedHeader(parts.header, options, memo);
  const signature = decodeSignatureSegment(parts.signature);
  // Payload bytes are checked for canonical base64url now, but parsed as JSON only after the signature.
  const payload = decodeSegmentBytes(parts.payload, 'payload');
  const candidates = selectKeys(keyRing, kid, alg, options.maxKeysTried);
  if (candidates.length === 0) throw new TokenError('KEY_NOT_FOUND');
  return { payload, header, alg, candidates, signature, input: asciiBytes(parts.signingInput) };
}

/** Steps after the signature: payload JSON, then claim rules. */
function finish(
  prepared: Prepared,
  key: VerificationKey,
  options: ResolvedOptions,
  now: number,
): VerifiedToken {
  const claims = parseJsonBytes(prepared.payload, 'payload');
  checkClaims(claims, options, now);
  return {
    header: prepared.header,
    claims: Object.freeze(claims),
    key,
    expiresAt: isNumericDate(claims.exp) ? claims.exp : Number.POSITIVE_INFINITY,
    cached: false,
  };
}

function safeVerify(backend: SignatureBackend, p: Prepared, key: VerificationKey): boolean {
  try {
    return backend.verify(p.alg, key.key, p.input, p.signature) === true;
  } catch {
    // A key of the wrong type for this algorithm simply does not match.
    return false;
  }
}

/** Start of the window in which a verified token stays valid (for the cache). */
function validFrom(claims: Record<string, unknown>, leeway: number): number {
  let from = Number.NEGATIVE_INFINITY;
  for (const name of ['nbf', 'iat'] as const) {
    const v = claims[name];
    if (isNumericDate(v) && v - leeway > from) from = v - leeway;
  }
  return from;
}

/** Options for TokenVerifier. */
export interface TokenVerifierInit {
  keyRing: KeyRing;
  backend: SignatureBackend;
  options?: VerifyOptions;
  cache?: { maxEntries?: number } | false;
  /** Current time in seconds; default Date.now() / 1000. */
  clock?: () => number;
}

/**
 * Verifies Jamf-style RS256 tokens against a key ring, with an optional LRU of successes.
 * @example new TokenVerifier({ keyRing, backend: nodeSignatureBackend }).verify(token).claims.exp
 */
export class TokenVerifier {
  readonly keyRing: KeyRing;
  readonly #backend: SignatureBackend;
  readonly #options: ResolvedOptions;
  readonly #cache: VerificationCache<VerifiedToken> | null;
  readonly #clock: () => number;
  readonly #headers: HeaderMemo = new Map();

  constructor(init: TokenVerifierInit) {
    if (!init?.keyRing || typeof init.backend?.verify !== 'function') {
      throw new TypeError('TokenVerifier needs a keyRing and a backend');
    }
    this.keyRing = init.keyRing;
    this.#backend = init.backend;
    this.#options = resolveOptions(init.options);
    this.#cache =
      init.cache === false ? null : new VerificationCache(init.cache?.maxEntries ?? 10_000);
    this.#clock = init.clock ?? (() => Date.now() / 1000);
  }

  /** The validated options in force. */
  get options(): ResolvedOptions {
    return this.#options;
  }

  /** Verifies a token; returns its claims or throws TokenError. */
  verify(token: string | null | undefined, now: number = this.#clock()): VerifiedToken {
    const options = this.#options;
    const cache = this.#cache;
    const generation = this.keyRing.generation;
    if (cache !== null && typeof token === 'string' && token.length <= options.maxTokenLength) {
      // Stored already marked `cached: true` and frozen, so a hit allocates nothing.
      const hit = cache.get(token, now, generation);
      if (hit !== undefined) return hit;
    }
    const prepared = prepare(token, options, this.keyRing, this.#headers);
    const key = prepared.candidates.find((k) => safeVerify(this.#backend, prepared, k));
    if (key === undefined) throw new TokenError('SIGNATURE_INVALID');
    const result = finish(prepared, key, options, now);
    if (cache !== null) {
      const until = result.expiresAt + options.leewaySeconds;
      cache.set(
        token as string,
        Object.freeze({ ...result, cached: true }),
        validFrom(result.claims, options.leewaySeconds),
        until,
        generation,
      );
    }
    return result;
  }

  /** Cache counters (all zero when the cache is off). */
  cacheStats(): { hits: number; misses: number; size: number } {
    return this.#cache?.stats() ?? { hits: 0, misses: 0, size: 0 };
  }

  /** Forgets every cached result. */
  clearCache(): void {
    this.#cache?.clear();
  }
}

/**
 * The same pipeline over an async backend (WebCrypto); no cache.
 * @example await verifyTokenAsync(token, { keyRing, backend: webCryptoBackend })
 */
export async function verifyTokenAsync(
  token: string | null | undefined,
  opts: { keyRing: KeyRing; backend: AsyncSignatureBackend; options?: VerifyOptions; now?: number },
): Promise<VerifiedToken> {
  const options = resolveOptions(opts.options);
  const prepared = prepare(token, options, opts.keyRing);
  let matched: VerificationKey | undefined;
  for (const candidate of prepared.candidates) {
    let ok = false;
    try {
      ok =
        (await opts.backend.verify(
          prepared.alg,
          candidate.key,
          prepared.input,
          prepared.signature,
        )) === true;
    } catch {
      ok = false;
    }
    if (ok) {
      matched = candidate;
      break;
    }
  }
  if (matched === undefined) throw new TokenError('SIGNATURE_INVALID');
  return finish(prepared, matched, options, opts.now ?? Date.now() / 1000);
}
