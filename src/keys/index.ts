/**
 * Key tooling: read any RSA key form an admin might have, export Jamf-ready PEM, JWK/JWKS,
 * fingerprints, generation and self-signed certificates. Package export `portcullis/keys`.
 */
export {
  type CertificateInfo,
  createSelfSignedCertificate,
  DEFAULT_CERTIFICATE_DAYS,
  readCertificateInfo,
  type SelfSignedOptions,
} from './certificate.js';
export { KEY_ERRORS, KeyError, type KeyErrorCode, type KeyErrorInfo } from './errors.js';
export { exportPrivateKeyPem, exportPublicKeyPem, publicKeyOf } from './export.js';
export {
  assertOutputFree,
  displayPath,
  type LoadedVerificationKey,
  loadPrivateKeyFile,
  loadPublicKeysFile,
  loadVerificationKeys,
  type PassphraseOptions,
  writePrivateKeyFile,
  writePublicFile,
} from './files.js';
export { colonHex, describeKey, type KeyDescription, keyFingerprint } from './fingerprint.js';
export { generateRsaKeyPair, RSA_KEY_SIZES } from './generate.js';
export { jwks, jwkThumbprint, publicJwk, type RsaPublicJwk } from './jwk.js';
export { promptHidden } from './prompt.js';
export {
  assertRs256Key,
  MAX_KEY_INPUT_BYTES,
  type PrivateKeyFormat,
  type PublicKeyFormat,
  type ReadKeyOptions,
  type ReadPublicKey,
  readPrivateKey,
  readPublicKeys,
} from './read.js';
