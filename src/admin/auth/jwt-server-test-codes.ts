/**
 * The codes of the "Test connection" report (POST /api/v1/jwt-servers/{id}/test). They are data in
 * a 200 answer, not refusals: anonymous callers of the admin API still get one generic 401 for
 * every token refusal below. docs/errors.md lists them (src/errors-table.ts renders this table).
 */

/** One report code: what it says and what the admin can do. */
export interface ReportCode {
  meaning: string;
  remedy: string;
}

const SET_AGAIN = 'Check the JWT server entry and save it again.';

/** Every code the report can carry, keys first, then the token's verdict. */
export const JWT_SERVER_TEST_CODES: Readonly<Record<string, ReportCode>> = Object.freeze({
  JWKS_OK: { meaning: 'The JWKS URL answered with usable keys.', remedy: 'Nothing to do.' },
  JWKS_UNREACHABLE: {
    meaning: 'The JWKS URL did not answer a JSON document in time (status, timeout, size, TLS).',
    remedy:
      'Check the URL, that this server can reach it, and that it answers 200 without a redirect.',
  },
  JWKS_INVALID: {
    meaning: 'The JWKS URL answered JSON that is not a JWK set.',
    remedy: "Use the identity provider's jwks_uri (from its .well-known/openid-configuration).",
  },
  JWKS_NO_USABLE_KEY: {
    meaning: 'The JWK set has no RSA or P-256 signing key.',
    remedy: 'Use a provider key signing RS256 or ES256, or a shared secret (HS256).',
  },
  JWKS_UNAVAILABLE: {
    meaning: 'No usable JWKS has been fetched recently (the reason is in the serve log).',
    remedy: 'Run Test connection: it fetches the JWKS now and says why it fails.',
  },
  SECRET_OK: { meaning: 'The stored shared secret is readable.', remedy: 'Nothing to do.' },
  SECRET_UNREADABLE: {
    meaning: 'The stored shared secret cannot be decrypted with this server secret.',
    remedy: 'Set the shared secret again (or restore the original server secret).',
  },
  TOKEN_ACCEPTED: {
    meaning: 'The token would be accepted, as the principal shown.',
    remedy: 'Nothing to do.',
  },
  SERVER_DISABLED: {
    meaning: 'The token passes every check, but the server is disabled.',
    remedy: 'Enable the JWT server.',
  },
  SERVER_POLICY_REFUSED: {
    meaning: 'A shared (multi-tenant) issuer without a required claim naming the tenant.',
    remedy: 'Add a required claim that pins your organisation, repository or tenant.',
  },
  TOKEN_MALFORMED: { meaning: 'The text is not a signed JWT.', remedy: 'Paste the whole token.' },
  ALGORITHM_NOT_ALLOWED: {
    meaning:
      'The token uses an algorithm this server does not allow (RS256/ES256 for a JWKS, HS256 for a secret).',
    remedy: 'Configure the verification method that matches the provider.',
  },
  KEY_NOT_FOUND: {
    meaning: 'No key of the JWK set matches the token (kid, algorithm).',
    remedy: 'Check the JWKS URL belongs to the issuer that minted the token.',
  },
  SIGNATURE_INVALID: {
    meaning: 'The signature does not verify with the configured key or secret.',
    remedy: 'Check the JWKS URL or the shared secret.',
  },
  ISSUER_MISMATCH: { meaning: 'The token has another iss.', remedy: SET_AGAIN },
  AUDIENCE_MISMATCH: {
    meaning: 'The token was minted for another audience.',
    remedy: 'Mint it for the configured audience, or change the audience.',
  },
  CLAIM_MISSING: { meaning: 'The token lacks exp or iat.', remedy: 'Mint it with both.' },
  TOKEN_EXPIRED: { meaning: 'The token has expired.', remedy: 'Test with a fresh token.' },
  TOKEN_NOT_YET_VALID: {
    meaning: 'The token is not valid yet (nbf).',
    remedy: 'Check the clocks.',
  },
  ISSUED_IN_FUTURE: {
    meaning: 'The token was issued in the future (iat).',
    remedy: 'Check the clocks.',
  },
  LIFETIME_TOO_LONG: {
    meaning: 'exp - iat exceeds the longest token lifetime (or the session lifetime).',
    remedy: 'Mint shorter-lived tokens, or raise the lifetime of the entry.',
  },
  REQUIRED_CLAIM_MISMATCH: {
    meaning: 'A required claim is missing or has another value.',
    remedy: 'Compare the required claims with the token the provider mints.',
  },
  USERNAME_CLAIM_UNUSABLE: {
    meaning: 'The username claim is missing, empty, too long or has control characters.',
    remedy: 'Choose a claim that names the caller (sub, email, repository).',
  },
  TOKEN_REFUSED: { meaning: 'The token was refused for another reason.', remedy: SET_AGAIN },
});
