/**
 * Claim rules as data. The verifier runs them in order and stops at the first failure; inspect runs
 * all of them to show every verdict. Runs only after the signature has been verified.
 *
 * NumericDate (RFC 7519 §2) may be fractional, so exp/nbf/iat accept any finite number in
 * [0, 253402300799] (year 9999). Strings, NaN, negatives and absurd values are CLAIM_INVALID.
 */
import { TokenError } from './errors.js';
import type { ResolvedOptions } from './policy.js';

/**
 * Private claim Portcullis puts into tokens it mints for one file: the decoded path the content
 * listener serves, e.g. `/apps/Example.ipa`. Jamf Pro never sends it; a token that carries it
 * opens only that path (the listener compares it with the checked request path).
 */
export const PATH_CLAIM = 'path';

/** Largest NumericDate accepted: 9999-12-31T23:59:59Z. */
export const MAX_NUMERIC_DATE = 253_402_300_799;

/** Outcome of one rule: passed, not applicable under this policy, or the refusal. */
export type RuleOutcome = 'ok' | 'skipped' | TokenError;

/** One claim rule. */
export interface ClaimRule {
  name: string;
  check(claims: Record<string, unknown>, options: ResolvedOptions, now: number): RuleOutcome;
}

/** True for a JSON number usable as a NumericDate. */
export function isNumericDate(value: unknown): value is number {
  return (
    typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_NUMERIC_DATE
  );
}

function invalid(claim: string, message?: string): TokenError {
  return new TokenError(
    'CLAIM_INVALID',
    message ?? `The token claim "${claim}" is missing or does not match the policy.`,
    { claim },
  );
}

/** A time claim: absent → skipped (or invalid if required), bad type → invalid, else compare. */
function timeRule(
  name: 'exp' | 'nbf' | 'iat',
  fails: (value: number, now: number, leeway: number) => boolean,
  code: 'TOKEN_EXPIRED' | 'TOKEN_NOT_YET_VALID',
): ClaimRule {
  return {
    name,
    check(claims, options, now) {
      const value = claims[name];
      if (value === undefined) {
        return name === 'exp' && options.requireExp
          ? invalid('exp', 'The token has no "exp" claim.')
          : 'skipped';
      }
      if (!isNumericDate(value))
        return invalid(name, `The token claim "${name}" is not a valid NumericDate.`);
      return fails(value, now, options.leewaySeconds)
        ? new TokenError(code, undefined, { claim: name })
        : 'ok';
    },
  };
}

function stringRule(
  name: 'iss' | 'sub',
  pick: (o: ResolvedOptions) => readonly string[] | null,
): ClaimRule {
  return {
    name,
    check(claims, options) {
      const allowed = pick(options);
      if (allowed === null) return 'skipped';
      const value = claims[name];
      return typeof value === 'string' && allowed.includes(value) ? 'ok' : invalid(name);
    },
  };
}

/** The rules, in the order the verifier applies them. */
export const CLAIM_RULES: readonly ClaimRule[] = [
  timeRule('exp', (exp, now, leeway) => now >= exp + leeway, 'TOKEN_EXPIRED'),
  timeRule('nbf', (nbf, now, leeway) => nbf > now + leeway, 'TOKEN_NOT_YET_VALID'),
  timeRule('iat', (iat, now, leeway) => iat > now + leeway, 'TOKEN_NOT_YET_VALID'),
  stringRule('iss', (o) => o.issuer),
  stringRule('sub', (o) => o.subject),
  {
    name: 'aud',
    check(claims, options) {
      if (options.audience === null) return 'skipped';
      const aud = claims.aud;
      const list: unknown[] = Array.isArray(aud) ? aud : [aud];
      // RFC 7519: a string or an array of strings; a mixed array is malformed, not "partly valid".
      const ok =
        list.every((a) => typeof a === 'string') &&
        list.some((a) => options.audience!.includes(a as string));
      return ok ? 'ok' : invalid('aud');
    },
  },
  {
    name: 'lifetime',
    check(claims, options, now) {
      const max = options.maxLifetimeSeconds;
      if (max === null) return 'skipped';
      const { exp, iat } = claims;
      if (!isNumericDate(exp))
        return invalid('exp', 'A maximum lifetime is set, so "exp" is required.');
      const tooLong =
        exp - now > max + options.leewaySeconds || (isNumericDate(iat) && exp - iat > max);
      return tooLong ? invalid('exp', 'The token lifetime exceeds the configured maximum.') : 'ok';
    },
  },
  {
    // Only the shape is checked here (once per token, then cached); which path it opens is the
    // listener's string compare. A malformed binding must never silently become "unbound".
    name: PATH_CLAIM,
    check(claims) {
      const value = claims[PATH_CLAIM];
      if (value === undefined) return 'skipped';
      return typeof value === 'string' && value.startsWith('/') && value.length <= 4096
        ? 'ok'
        : invalid(PATH_CLAIM, `The token claim "${PATH_CLAIM}" is not an absolute path.`);
    },
  },
];

/** Applies every claim rule; throws the first refusal. */
export function checkClaims(
  claims: Record<string, unknown>,
  options: ResolvedOptions,
  now: number,
): void {
  for (const rule of CLAIM_RULES) {
    const outcome = rule.check(claims, options, now);
    if (outcome instanceof TokenError) throw outcome;
  }
}
