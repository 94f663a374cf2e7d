/**
 * Runtime-neutral token API (package export `portcullis/token`): decode, verify, sign, inspect
 * and move tokens in URLs with WebCrypto only. Nothing reachable from this file imports a `node:`
 * module (test/token/neutral-entry.test.ts loads it under a hook that forbids them), so it runs
 * on edge workers, Deno and browsers. The node:crypto fast path is `portcullis/token/node`.
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
export { tokenFingerprintAsync } from './fingerprint.js';
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
export {
  type ClaimsPolicy,
  DEFAULT_VERIFY_OPTIONS,
  type ResolvedOptions,
  resolveOptions,
  SUPPORTED_ALGORITHMS,
  type VerifyOptions,
} from './policy.js';
export {
  bearerToken,
  queryTokens,
  requestToken,
  stripTokenParams,
  TOKEN_PARAM,
} from './request-token.js';
export { buildSigningInput, MIN_RSA_SIGNING_BITS, type SignOptions } from './sign-input.js';
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
export { importRsaPrivateJwk, signTokenAsync } from './webcrypto-sign.js';
