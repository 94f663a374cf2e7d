/**
 * Verifier options and their validated, defaulted form. Options are checked once, when a verifier
 * is built (a bad option is a programmer/config mistake → TypeError), never per token.
 */

/** Which claims a token must carry. Defaults match Jamf Pro: iss JSS, sub AppManifest, exp required. */
export interface ClaimsPolicy {
  /** Accepted issuer(s). Default 'JSS'; null = not checked. */
  issuer?: string | string[] | null;
  /** Accepted subject(s). Default 'AppManifest'; null = not checked. */
  subject?: string | string[] | null;
  /** Required audience (any one of). Default null = not checked. */
  audience?: string | string[] | null;
  /** Clock skew tolerated for exp/nbf/iat, in seconds. Default 60. */
  leewaySeconds?: number;
  /** Refuse tokens without exp. Default true. */
  requireExp?: boolean;
  /** Refuse tokens that are valid for longer than this (from iat, or from now). Default null. */
  maxLifetimeSeconds?: number | null;
}

/** Everything a TokenVerifier can be told. */
export interface VerifyOptions extends ClaimsPolicy {
  /** Allowed JWS algorithms. Default ['RS256']; only RSASSA-PKCS1-v1_5 algorithms are supported. */
  algorithms?: string[];
  /** Tokens longer than this are refused before any decoding. Default 4096. */
  maxTokenLength?: number;
  /** Upper bound of keys tried for a token without kid. Default 8. */
  maxKeysTried?: number;
}

/** Options after validation, with every default filled in. */
export interface ResolvedOptions {
  issuer: readonly string[] | null;
  subject: readonly string[] | null;
  audience: readonly string[] | null;
  leewaySeconds: number;
  requireExp: boolean;
  maxLifetimeSeconds: number | null;
  algorithms: ReadonlySet<string>;
  maxTokenLength: number;
  maxKeysTried: number;
}

/** Algorithms the verifier can check, with the hash each uses. HMAC and `none` are absent on purpose. */
export const SUPPORTED_ALGORITHMS: Readonly<Record<string, 'SHA-256' | 'SHA-384' | 'SHA-512'>> = {
  RS256: 'SHA-256',
  RS384: 'SHA-384',
  RS512: 'SHA-512',
};

/** Defaults, in one place, so docs and code cannot drift. */
export const DEFAULT_VERIFY_OPTIONS = {
  issuer: 'JSS',
  subject: 'AppManifest',
  audience: null,
  leewaySeconds: 60,
  requireExp: true,
  maxLifetimeSeconds: null,
  algorithms: ['RS256'],
  maxTokenLength: 4096,
  maxKeysTried: 8,
} as const;

function stringList(
  name: string,
  value: unknown,
  fallback: string | null,
): readonly string[] | null {
  const v = value === undefined ? fallback : value;
  if (v === null) return null;
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || !list.every((s) => typeof s === 'string' && s.length > 0)) {
    throw new TypeError(
      `Verifier option "${name}" must be a non-empty string, an array of them, or null`,
    );
  }
  return Object.freeze([...list]) as readonly string[];
}

function wholeNumber(name: string, value: unknown, fallback: number, min: number): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new TypeError(`Verifier option "${name}" must be an integer >= ${min}`);
  }
  return v;
}

/** Validates options and fills defaults. @throws TypeError naming the bad option. */
export function resolveOptions(options: VerifyOptions = {}): ResolvedOptions {
  const algorithms = options.algorithms ?? [...DEFAULT_VERIFY_OPTIONS.algorithms];
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new TypeError('Verifier option "algorithms" must be a non-empty array');
  }
  for (const alg of algorithms) {
    if (!Object.hasOwn(SUPPORTED_ALGORITHMS, alg)) {
      throw new TypeError(
        `Verifier option "algorithms": "${String(alg)}" is not supported (use ${Object.keys(SUPPORTED_ALGORITHMS).join(', ')})`,
      );
    }
  }
  const maxLifetime = options.maxLifetimeSeconds ?? null;
  return {
    issuer: stringList('issuer', options.issuer, DEFAULT_VERIFY_OPTIONS.issuer),
    subject: stringList('subject', options.subject, DEFAULT_VERIFY_OPTIONS.subject),
    audience: stringList('audience', options.audience, null),
    leewaySeconds: wholeNumber('leewaySeconds', options.leewaySeconds, 60, 0),
    requireExp: options.requireExp ?? true,
    maxLifetimeSeconds:
      maxLifetime === null ? null : wholeNumber('maxLifetimeSeconds', maxLifetime, 0, 1),
    algorithms: new Set(algorithms),
    maxTokenLength: wholeNumber('maxTokenLength', options.maxTokenLength, 4096, 16),
    maxKeysTried: wholeNumber('maxKeysTried', options.maxKeysTried, 8, 1),
  };
}
