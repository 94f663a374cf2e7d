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
  /** Where the key came from, for people: a file name, a configuration id (shown by inspect). */
  label?: string;
  /**
   * The JWT configuration the key belongs to (store-backed keys only). It travels with the
   * verified token into the request record and the audit trail, which attribute by it.
   */
  configurationId?: string;
}
