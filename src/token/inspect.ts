/**
 * Explains a token check by check, for `portcullis inspect` and the web console. Unlike the
 * verifier it does not stop at the first failure (so every verdict is visible) — and therefore
 * it must never be used to grant access: use TokenVerifier for that.
 */
import { CLAIM_RULES, isNumericDate } from './claims.js';
import {
  decodeJsonSegment,
  decodeSignatureSegment,
  splitToken,
  type TokenParts,
} from './decode.js';
import { formatDuration } from './duration.js';
import { TokenError } from './errors.js';
import { checkAlg, checkHeaderParams } from './header.js';
import type { KeyRing, VerificationKey } from './key-ring.js';
import { type ResolvedOptions, resolveOptions, type VerifyOptions } from './policy.js';
import type { SignatureBackend } from './verify.js';

/** One verdict: ok true/false, or null when not checked (e.g. signature without a key). */
export interface TokenCheck {
  name: string;
  ok: boolean | null;
  code?: string;
  message: string;
}

/** A time claim in three forms. */
export interface TimeInfo {
  seconds: number;
  iso: string;
  relative: string;
}

/** Everything inspect shows. `valid` is null when the signature was not checked. */
export interface TokenExplanation {
  header: Record<string, unknown> | null;
  claims: Record<string, unknown> | null;
  times: Partial<Record<'exp' | 'nbf' | 'iat', TimeInfo>>;
  checks: TokenCheck[];
  key?: { kid?: string; label?: string };
  valid: boolean | null;
}

/** "in 14m" / "3h ago" using the largest whole unit. */
export function relativeTime(seconds: number, now: number): string {
  const delta = Math.round(seconds - now);
  if (delta === 0) return 'now';
  const abs = Math.abs(delta);
  const unit = [604_800, 86_400, 3_600, 60, 1].find((u) => abs >= u) ?? 1;
  const text = formatDuration(Math.floor(abs / unit) * unit);
  return delta > 0 ? `in ${text}` : `${text} ago`;
}

function outcome(name: string, fn: () => void, okMessage: string): TokenCheck {
  try {
    fn();
    return { name, ok: true, message: okMessage };
  } catch (err) {
    if (!(err instanceof TokenError)) throw err;
    return { name, ok: false, code: err.code, message: err.message };
  }
}

function skip(name: string, message: string): TokenCheck {
  return { name, ok: null, message };
}

function signatureChecks(
  parts: TokenParts,
  header: Record<string, unknown>,
  init: ExplainInit,
  options: ResolvedOptions,
  out: TokenExplanation,
): void {
  if (!init.keyRing || !init.backend) {
    out.checks.push(
      skip('key', 'not checked (no key given)'),
      skip('signature', 'not checked (no key given)'),
    );
    return;
  }
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const alg = typeof header.alg === 'string' ? header.alg : '';
  const candidates = init.keyRing
    .candidates(kid)
    .filter((k) => k.alg === undefined || k.alg === alg)
    .slice(0, options.maxKeysTried);
  out.checks.push(
    outcome(
      'key',
      () => {
        if (candidates.length === 0) throw new TokenError('KEY_NOT_FOUND');
      },
      `${candidates.length} candidate key(s)`,
    ),
  );
  if (candidates.length === 0) {
    out.checks.push(skip('signature', 'not checked (no key)'));
    return;
  }
  let match: VerificationKey | undefined;
  out.checks.push(
    outcome(
      'signature',
      () => {
        const signature = decodeSignatureSegment(parts.signature);
        const input = new TextEncoder().encode(parts.signingInput);
        match = candidates.find((k) => {
          try {
            return init.backend!.verify(alg, k.key, input, signature) === true;
          } catch {
            return false;
          }
        });
        if (!match) throw new TokenError('SIGNATURE_INVALID');
      },
      'valid',
    ),
  );
  if (match)
    out.key = {
      ...(match.kid ? { kid: match.kid } : {}),
      ...(match.label ? { label: match.label } : {}),
    };
}

/** Inputs for explainToken. Pass keyRing and backend together to check the signature. */
export interface ExplainInit {
  keyRing?: KeyRing;
  backend?: SignatureBackend;
  options?: VerifyOptions;
  now?: number;
}

/** Runs every check it can and reports each verdict; never throws TokenError. */
export function explainToken(token: string, init: ExplainInit = {}): TokenExplanation {
  const options = resolveOptions(init.options);
  const now = init.now ?? Date.now() / 1000;
  const out: TokenExplanation = { header: null, claims: null, times: {}, checks: [], valid: null };
  let parts: TokenParts | undefined;
  out.checks.push(
    outcome(
      'structure',
      () => {
        if (typeof token === 'string' && token.length > options.maxTokenLength)
          throw new TokenError('TOKEN_TOO_LARGE');
        parts = splitToken(token);
        out.header = decodeJsonSegment(parts.header, 'header');
        out.claims = decodeJsonSegment(parts.payload, 'payload');
        decodeSignatureSegment(parts.signature);
      },
      'three canonical segments, JSON objects',
    ),
  );
  if (out.header === null) return finishExplanation(out);
  const header = out.header;
  out.checks.push(outcome('alg', () => checkAlg(header, options), `${String(header.alg)} allowed`));
  out.checks.push(outcome('header', () => checkHeaderParams(header), 'no forbidden parameters'));
  if (parts) signatureChecks(parts, header, init, options, out);
  if (out.claims !== null) {
    const claims = out.claims;
    for (const name of ['exp', 'nbf', 'iat'] as const) {
      const v = claims[name];
      if (isNumericDate(v))
        out.times[name] = {
          seconds: v,
          iso: new Date(v * 1000).toISOString(),
          relative: relativeTime(v, now),
        };
    }
    for (const rule of CLAIM_RULES) {
      const result = rule.check(claims, options, now);
      if (result === 'ok')
        out.checks.push({ name: rule.name, ok: true, message: okMessage(rule.name, out) });
      else if (result === 'skipped') out.checks.push(skip(rule.name, 'not checked'));
      else
        out.checks.push({ name: rule.name, ok: false, code: result.code, message: result.message });
    }
  }
  return finishExplanation(out);
}

function okMessage(name: string, out: TokenExplanation): string {
  const time = out.times[name as 'exp' | 'nbf' | 'iat'];
  if (time === undefined) return 'ok';
  return name === 'exp' ? `expires ${time.relative}` : `${name} ${time.relative}`;
}

function finishExplanation(out: TokenExplanation): TokenExplanation {
  if (out.checks.some((c) => c.ok === false)) out.valid = false;
  else if (out.checks.some((c) => c.name === 'signature' && c.ok === true)) out.valid = true;
  return out;
}
