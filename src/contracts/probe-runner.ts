/**
 * The port the admin API audits a distribution point through. The probe client (src/probe)
 * implements it and the composition root (src/app) hands it to the admin API, which sits beside
 * the probe and so never imports it.
 */
import type { KeyObject } from 'node:crypto';

/** What the distribution point should do with a probe request. `info` cases never fail the probe. */
export type ProbeExpectation = 'refused' | 'allowed' | 'info';

/** Stable identifiers of the probe cases, in the order they are printed. */
export type ProbeCaseId =
  | 'no-token'
  | 'garbage-token'
  | 'bad-signature'
  | 'foreign-key'
  | 'expired'
  | 'not-yet-valid'
  | 'no-exp'
  | 'wrong-iss'
  | 'wrong-sub'
  | 'alg-none'
  | 'hs256-public-key'
  | 'hs256-public-key-pkcs1'
  | 'jwk-header'
  | 'jku-header'
  | 'valid'
  | 'valid-bearer'
  | 'redirect-unsigned'
  | 'origin-unsigned';

/** What the server did with one request, independent of what was expected. */
export type ProbeOutcome = 'allowed' | 'refused' | 'redirect' | 'leak' | 'server-error' | 'error';

/** One row of the report. Contains no token and no file content. */
export interface ProbeResult {
  id: ProbeCaseId;
  title: string;
  expected: ProbeExpectation;
  placement: 'query' | 'bearer';
  /** HTTP status, or null when no answer arrived. */
  status: number | null;
  outcome: ProbeOutcome;
  /** True when bytes of the file came back (2xx body, or a refusal body that starts like the file). */
  contentReturned: boolean;
  /** `pass`/`fail` for refused/allowed expectations; `info` for informational cases. */
  verdict: 'pass' | 'fail' | 'info';
  /** Refusal code the server gave (JSON `code`, else WWW-Authenticate `error`), if any. */
  code?: string;
  /**
   * True when a redirect's Location carried a storage signature (X-Amz-Signature, CloudFront
   * Signature/Key-Pair-Id/Policy): the server handed out a link that opens the file.
   */
  signedLink?: boolean;
  /** Redirect target (token and any storage signature removed), or the network error code. */
  detail?: string;
}

/** The whole audit; `ok` is the exit-status answer: every hostile case refused and the valid one served. */
export interface ProbeReport {
  /** The probed URL with any `token` parameter removed. */
  url: string;
  probedAt: string;
  ok: boolean;
  summary: { passed: number; failed: number; info: number };
  results: ProbeResult[];
}

/** How the admin API runs one probe (a subset of the probe client's options). */
export interface ProbeRunOptions {
  /** Unix seconds used for token times: the signer's clock, so the logged token is the sent one. */
  now: number;
  /** Per-request timeout in milliseconds. */
  timeoutMs: number;
  /** Attacker key for the foreign-key/jwk/jku cases (the caller may reuse one). */
  attackerKey?: KeyObject;
}

/** Audits a distribution point with hostile tokens and one valid token. */
export interface ProbeRunner {
  /**
   * Lifetime in seconds of the probe's valid token. The signer logs that token before the probe
   * sends it, so both must agree on its claims.
   */
  readonly validTokenSeconds: number;
  /**
   * The path claim of the probe's tokens for `url` (its path decoded as the content listener
   * decodes it); throws the coded `PROBE_URL_INVALID` when the URL names no file.
   */
  pathClaim(url: string): string;
  /** Runs the probe; throws only for unusable input (bad URL, unsuitable key). */
  run(url: string, privateKey: KeyObject, opts: ProbeRunOptions): Promise<ProbeReport>;
}
