/**
 * A key the token verifier may check signatures with. It lives here, below the token core, so
 * that key sources (key files, the store) can describe what they produce without importing the
 * verifier.
 */

/** One verification key as the token key ring takes it. */
export interface VerificationKey {
  kid?: string;
  alg?: 'RS256';
  /** A KeyObject, CryptoKey or JWK — whatever the verifier backend in use accepts. */
  key: unknown;
  /** Where the key came from, e.g. a JWT configuration id or a file name (shown by inspect). */
  label?: string;
}
