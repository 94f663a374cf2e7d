/**
 * Token refusal codes. One table maps each code to its HTTP status, a generic message and a
 * remedy; docs/tokens.md and docs/errors.md mirror it (test/token/errors.test.ts keeps them in step).
 * Messages are deliberately generic: they never contain the token, a key or a path.
 */
import type { CodedErrorOptions, ErrorEntry } from '../errors/base.js';
import { codedErrorClass, defineErrors } from '../errors/define.js';

/** Registry entry shape shared by every `<AREA>_ERRORS` table. */
export type ErrorInfo = ErrorEntry;

/** Registry of token refusal codes → HTTP status, default message, remedy. All are 401. */
export const TOKEN_ERRORS = defineErrors('token', {
  TOKEN_MISSING: {
    status: 401,
    message: 'No token was supplied.',
    remedy:
      'Append the JWT as the `token` query parameter (Jamf Pro does this when JWT is enabled).',
  },
  TOKEN_MALFORMED: {
    status: 401,
    message: 'The token is not a well-formed compact JWS.',
    remedy:
      'Send an unmodified token: three canonical base64url segments whose header and payload are JSON objects.',
  },
  TOKEN_TOO_LARGE: {
    status: 401,
    message: 'The token is longer than the configured maximum.',
    remedy:
      'Check that the URL was not corrupted; raise maxTokenLength only if your issuer adds large claims.',
  },
  ALG_NOT_ALLOWED: {
    status: 401,
    message: 'The token uses a signature algorithm that is not allowed.',
    remedy: 'Sign with RS256 (Jamf Pro default) or add the algorithm to the verifier allow-list.',
  },
  HEADER_NOT_ALLOWED: {
    status: 401,
    message: 'The token header contains a parameter that is not allowed.',
    remedy:
      'Remove jku, x5u, jwk, x5c and crit from the header; keys come only from the configured key ring.',
  },
  KEY_NOT_FOUND: {
    status: 401,
    message: 'No configured key can verify this token.',
    remedy:
      'Add the issuer public key to the key ring, or check that the token kid matches a configured key.',
  },
  SIGNATURE_INVALID: {
    status: 401,
    message: 'The token signature is invalid.',
    remedy:
      'Make sure the token was signed by the private key matching a configured public key and was not altered.',
  },
  TOKEN_EXPIRED: {
    status: 401,
    message: 'The token has expired.',
    remedy: 'Request a fresh download URL; check the clocks of issuer and server (leeway applies).',
  },
  TOKEN_NOT_YET_VALID: {
    status: 401,
    message: 'The token is not valid yet.',
    remedy:
      'Check the clocks of issuer and server; nbf and iat must not lie in the future beyond the leeway.',
  },
  CLAIM_INVALID: {
    status: 401,
    message: 'A token claim is missing or does not match the policy.',
    remedy:
      'Check iss (default JSS), sub (default AppManifest), aud and exp against the verifier policy.',
  },
  TOKEN_PATH_MISMATCH: {
    status: 401,
    message: 'The token was issued for a different file.',
    remedy:
      'Use the URL the token was signed for; tokens Portcullis mints carry a "path" claim and open only that file.',
  },
  LINK_REFUSED: {
    status: 401,
    message: 'The manifest link is not valid for this manifest.',
    remedy:
      "Manifest links open only their own item's manifest and stop at revocation or expiry: ask the administrator for the item's current link (console: the item's Manifest links).",
  },
});

/** Every reason a token can be refused. */
export type TokenErrorCode = keyof typeof TOKEN_ERRORS;

/** A refused token. `claim` names the offending claim for CLAIM_INVALID and time errors (for inspect). */
export class TokenError extends codedErrorClass(TOKEN_ERRORS) {
  /** Name of the claim or header parameter at fault, when there is one. Never a value. */
  readonly claim?: string;

  constructor(
    code: TokenErrorCode,
    message?: string,
    options?: CodedErrorOptions & { claim?: string },
  ) {
    super(code, message, options);
    if (options?.claim !== undefined) this.claim = options.claim;
  }
}

/** True when `value` is a TokenError. */
export function isTokenError(value: unknown): value is TokenError {
  return value instanceof TokenError;
}

/** Whether `code` is one of the token refusal codes. */
export function isTokenErrorCode(code: unknown): code is TokenErrorCode {
  return typeof code === 'string' && Object.hasOwn(TOKEN_ERRORS, code);
}

/**
 * The HTTP answer to a refused token, for every route that takes one: the JSON body and the
 * `WWW-Authenticate` challenge of RFC 6750 §3 (no error attributes when no token was sent, §3.1).
 */
export function tokenChallenge(code: TokenErrorCode): { wwwAuthenticate: string; body: string } {
  const { message } = TOKEN_ERRORS[code];
  const wwwAuthenticate =
    code === 'TOKEN_MISSING'
      ? 'Bearer realm="portcullis"'
      : `Bearer realm="portcullis", error="invalid_token", error_description="${message.replace(/["\\]/g, '')}"`;
  return {
    wwwAuthenticate,
    body: `${JSON.stringify({ error: 'invalid_token', code, message })}\n`,
  };
}
