/**
 * Token check for one request: extract, verify (cached), and — for Range requests with an
 * expired token — consult the resume-grace memory. Returns an identity or a refusal code;
 * it never throws for bad input.
 */
import { TokenError, type TokenErrorCode } from '../token/errors.js';
import { tokenFingerprint } from '../token/node.js';
import { type GraceMemory, graceAllows } from './grace.js';
import type { KeyManager } from './keys.js';
import { extractRequestToken } from './token-source.js';

/** Outcome of {@link Authenticator.authenticate}. */
export type AuthResult =
  | { ok: true; fingerprint: string; keyLabel?: string; kid?: string; exp: number; graced: boolean }
  | { ok: false; code: TokenErrorCode; fingerprint?: string };

/** What the authenticator needs to know about the request. */
export interface AuthRequest {
  query: string;
  authorization: string | undefined;
  /** Decoded path relative to the root, e.g. `/apps/App.ipa`. */
  path: string;
  /** GET with a Range header (only those may use resume grace). */
  isRange: boolean;
}

/** Settings of the authenticator. */
export interface AuthenticatorOptions {
  bearer: boolean;
  /** Seconds; 0 disables resume grace. */
  resumeGrace: number;
  grace: GraceMemory | null;
  /** Observes verification time in seconds (metrics). */
  observeVerify?: (seconds: number) => void;
  clock?: () => number;
}

/** Fingerprints by token: a resuming device sends the same token many times (sha256 per request was ~3% of CPU). */
const FINGERPRINT_MEMO_MAX = 10_000;

/** Verifies request tokens against the current key ring. */
export class Authenticator {
  readonly #fingerprints = new Map<string, string>();

  constructor(
    private readonly keys: KeyManager,
    private readonly opts: AuthenticatorOptions,
  ) {}

  /** Checks the request's token. */
  async authenticate(req: AuthRequest): Promise<AuthResult> {
    const token = extractRequestToken(req.query, req.authorization, this.opts.bearer);
    if (token instanceof TokenError) return { ok: false, code: token.code };
    if (token === null) return { ok: false, code: 'TOKEN_MISSING' };
    const now = (this.opts.clock ?? Date.now)() / 1000;
    const started = performance.now();
    let fingerprint: string | undefined;
    try {
      const verified = this.keys.verifier.verify(token, now);
      this.opts.observeVerify?.((performance.now() - started) / 1000);
      fingerprint = this.#fingerprint(token);
      const result = {
        ok: true as const,
        fingerprint,
        exp: verified.expiresAt,
        graced: false,
        ...(verified.key.label === undefined ? {} : { keyLabel: verified.key.label }),
        ...(verified.key.kid === undefined ? {} : { kid: verified.key.kid }),
      };
      if (this.opts.grace && this.opts.resumeGrace > 0) {
        const { ok: _ok, graced: _g, fingerprint: _f, ...entry } = result;
        this.opts.grace.remember(fingerprint, { ...entry, path: req.path });
      }
      return result;
    } catch (err) {
      this.opts.observeVerify?.((performance.now() - started) / 1000);
      if (!(err instanceof TokenError)) return { ok: false, code: 'TOKEN_MALFORMED' };
      fingerprint ??= this.#fingerprint(token);
      // TOKEN_EXPIRED is only reported after the signature verified (signature before claims).
      if (
        err.code === 'TOKEN_EXPIRED' &&
        this.opts.grace &&
        this.opts.resumeGrace > 0 &&
        req.isRange
      ) {
        const entry = await this.opts.grace.lookup(fingerprint, req.path);
        if (graceAllows(entry, req, now, this.opts.resumeGrace)) {
          return {
            ok: true,
            fingerprint,
            exp: entry.exp,
            graced: true,
            ...(entry.keyLabel === undefined ? {} : { keyLabel: entry.keyLabel }),
            ...(entry.kid === undefined ? {} : { kid: entry.kid }),
          };
        }
      }
      return { ok: false, code: err.code, fingerprint };
    }
  }

  #fingerprint(token: string): string {
    let fp = this.#fingerprints.get(token);
    if (fp === undefined) {
      if (this.#fingerprints.size >= FINGERPRINT_MEMO_MAX) this.#fingerprints.clear();
      fp = tokenFingerprint(token);
      this.#fingerprints.set(token, fp);
    }
    return fp;
  }
}
