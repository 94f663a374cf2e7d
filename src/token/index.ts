/**
 * Public token API (package export "./token"). The pure core (decode, verify, policy, key ring,
 * errors) runs anywhere; node.ts and sign.ts add the node:crypto backend and the signer.
 */
export { decodeBase64Url, encodeBase64Url } from './base64url.js';
export { type CacheStats, VerificationCache } from './cache.js';
export {
  CLAIM_RULES,
  type ClaimRule,
  checkClaims,
  isNumericDate,
  MAX_NUMERIC_DATE,
  PATH_CLAIM,
} from './claims.js';
export { type DecodedToken, decodeToken, splitToken, type TokenParts } from './decode.js';
export { formatDuration, parseDuration } from './duration.js';
export {
  type ErrorInfo,
  isTokenError,
  TOKEN_ERRORS,
  TokenError,
  type TokenErrorCode,
} from './errors.js';
export { checkHeader, FORBIDDEN_HEADER_PARAMS } from './header.js';
export {
  type ExplainInit,
  explainToken,
  relativeTime,
  type TimeInfo,
  type TokenCheck,
  type TokenExplanation,
} from './inspect.js';
export { KeyRing, type VerificationKey } from './key-ring.js';
export { createNodeVerifier, nodeSignatureBackend, tokenFingerprint } from './node.js';
export {
  type ClaimsPolicy,
  DEFAULT_VERIFY_OPTIONS,
  type ResolvedOptions,
  resolveOptions,
  SUPPORTED_ALGORITHMS,
  type VerifyOptions,
} from './policy.js';
export { assertRsaSigningKey, type SignOptions, signToken } from './sign.js';
export { addTokenToUrl, extractToken } from './url.js';
export {
  type AsyncSignatureBackend,
  type SignatureBackend,
  TokenVerifier,
  type TokenVerifierInit,
  type VerifiedToken,
  verifyTokenAsync,
} from './verify.js';
export { importRsaPublicJwk, webCryptoBackend } from './webcrypto.js';
