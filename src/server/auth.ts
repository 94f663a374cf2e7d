/**
 * Token check for one request: extract (src/token/request-token.ts), verify (cached), bind to
 * the request's content path, and — for Range requests with an expired token — consult the
 * resume-grace memory. Returns an identity or a refusal code; it never throws for bad input.
 */

import type {
  ExtensionCredential,
  ExtensionCredentialGrant,
} from '../contracts/content-extension.js';
import { tokenMapKey } from '../token/cache.js';
import { PATH_CLAIM } from '../token/claims.js';
import { TokenError, type TokenErrorCode } from '../token/errors.js';
import { tokenFingerprint } from '../token/node.js';
import { requestToken } from '../token/request-token.js';
import type { VerifiedToken } from '../token/verify.js';
import { type GraceEntry, type GraceMemory, graceAllows } from './grace.js';
import type { KeyManager } from './listener-verifier.js';
import { memoizeByShortKey } from './lru.js';

/** Outcome of {@link Authenticator.authenticate}. */
export type AuthResult =
  | {
      ok: true;
      /** The verified token, for a route that must hand it on (a manifest's package URL). */
      token: string;
      fingerprint: string;
      keyLabel: string | undefined;
      kid: string | undefined;
      /** The JWT configuration whose key verified the token (store-backed keys only). */
      configurationId: string | undefined;
      exp: number;
      graced: boolean;
      /** Set when the token was the route's own credential (a manifest link), not a JWT. */
      credential?: ExtensionCredentialGrant;
    }
  | { ok: false; code: TokenErrorCode; fingerprint?: string };

/** What the authenticator needs to know about the request. */
export interface AuthRequest {
  query: string;
  /** The Authorization header: its value, or every value (two of them are refused). */
  authorization: string | readonly string[] | undefined;
  /**
   * Decoded path relative to the root, e.g. `/apps/App.ipa` (checked by src/http/path.ts), or
   * null when the request names no content: then only a token bound to no path opens it.
   */
  path: string | null;
  /** The request named a directory (trailing `/`): a token bound to a file never opens one. */
  directory?: boolean;
  /** GET with a Range header (only those may use resume grace). */
  isRange: boolean;
  /** A download (file, proxy, forward-auth): only downloads start or continue resume grace. */
  resumable: boolean;
  /**
   * The route's own credential (a content extension's, the manifest links): a token it
   * recognises is checked by it instead of the verifier. No other route has one.
   */
  credential?: ExtensionCredential;
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
  /** The token's short fingerprint (memoised: a resuming device sends the same token often). */
  readonly fingerprint: (token: string) => string = memoizeByShortKey(
    FINGERPRINT_MEMO_MAX,
    tokenMapKey,
    tokenFingerprint,
  );

  constructor(
    private readonly keys: KeyManager,
    private readonly opts: AuthenticatorOptions,
  ) {}

  /**
   * Checks the request's token. Synchronous unless an expired token asks for resume grace,
   * which may have to ask the cluster primary; callers await only a returned promise.
   */
  authenticate(req: AuthRequest): AuthResult | Promise<AuthResult> {
    const token = requestToken(req.query, req.authorization, this.opts.bearer);
    if (token instanceof TokenError) return { ok: false, code: token.code };
    if (token === null) return { ok: false, code: 'TOKEN_MISSING' };
    if (req.credential?.recognizes(token)) return this.#credential(req.credential, token, req.path);
    const now = this.#now();
    let verified: VerifiedToken;
    try {
      verified = this.#verify(token, now);
    } catch (err) {
      return this.#refused(err, token, req, now);
    }
    const fingerprint = this.fingerprint(token);
    if (!pathAllowed(verified.claims, req.path, req.directory === true)) {
      return { ok: false, code: 'TOKEN_PATH_MISMATCH', fingerprint };
    }
    const { label: keyLabel, kid, configurationId } = verified.key;
    if (this.opts.grace && this.opts.resumeGrace > 0 && req.resumable && req.path !== null) {
      const entry: GraceEntry = { exp: verified.expiresAt, path: req.path };
      if (keyLabel !== undefined) entry.keyLabel = keyLabel;
      if (kid !== undefined) entry.kid = kid;
      if (configurationId !== undefined) entry.configurationId = configurationId;
      this.opts.grace.remember(fingerprint, entry);
    }
    return {
      ok: true,
      token,
      fingerprint,
      exp: verified.expiresAt,
      graced: false,
      keyLabel,
      kid,
      configurationId,
    };
  }

  /**
   * A route's own credential: its grant, or `LINK_REFUSED` for every reason it has to refuse
   * (one answer, so a refusal says nothing about which links or items exist).
   */
  async #credential(
    credential: ExtensionCredential,
    token: string,
    path: string | null,
  ): Promise<AuthResult> {
    const fingerprint = this.fingerprint(token);
    const grant = await credential.authenticate(token, path);
    if (grant === null) return { ok: false, code: 'LINK_REFUSED', fingerprint };
    return {
      ok: true,
      token,
      fingerprint,
      exp: grant.exp,
      graced: false,
      keyLabel: grant.keyLabel,
      kid: undefined,
      configurationId: grant.configurationId,
      credential: grant,
    };
  }

  /** Current time in seconds. */
  #now(): number {
    return (this.opts.clock ?? Date.now)() / 1000;
  }

  /**
   * One verification against the current key ring, timed for the histogram unless it was a
   * cache hit (hits are counted by the cache gauge). Throws what the verifier throws.
   */
  #verify(token: string, now: number): VerifiedToken {
    const started = performance.now();
    let verified: VerifiedToken;
    try {
      verified = this.keys.verifier.verify(token, now);
    } catch (err) {
      this.opts.observeVerify?.((performance.now() - started) / 1000);
      throw err;
    }
    if (!verified.cached) this.opts.observeVerify?.((performance.now() - started) / 1000);
    return verified;
  }

  /** A refusal, unless an expired token may continue under resume grace. */
  #refused(
    err: unknown,
    token: string,
    req: AuthRequest,
    now: number,
  ): AuthResult | Promise<AuthResult> {
    if (!(err instanceof TokenError)) return { ok: false, code: 'TOKEN_MALFORMED' };
    const fingerprint = this.fingerprint(token);
    // TOKEN_EXPIRED is only reported after the signature verified (signature before claims).
    const grace = this.opts.grace;
    const path = req.path;
    if (
      err.code !== 'TOKEN_EXPIRED' ||
      !grace ||
      this.opts.resumeGrace <= 0 ||
      !req.isRange ||
      !req.resumable ||
      path === null
    ) {
      return { ok: false, code: err.code, fingerprint };
    }
    return grace.lookup(fingerprint, path).then((entry): AuthResult => {
      if (!graceAllows(entry, { path, isRange: req.isRange }, now, this.opts.resumeGrace)) {
        return { ok: false, code: err.code, fingerprint };
      }
      return {
        ok: true,
        token,
        fingerprint,
        exp: entry.exp,
        graced: true,
        keyLabel: entry.keyLabel,
        kid: entry.kid,
        configurationId: entry.configurationId,
      };
    });
  }
}

/**
 * Whether a verified token may open `path`. Tokens without the path claim (Jamf Pro's) open any
 * path; a bound token opens exactly its path (and never a request that names none). The claim's shape was checked with the other claims
 * (and cached), so this is one property read and one string compare on the hot path.
 */
function pathAllowed(
  claims: Record<string, unknown>,
  path: string | null,
  directory: boolean,
): boolean {
  const bound = claims[PATH_CLAIM];
  return bound === undefined || (bound === path && !directory);
}
