/**
 * The Node fast path: node:crypto verifies RS256 with a parsed KeyObject (measured fastest, see
 * BENCHMARKS.md). Only this file and sign.ts in src/token import `node:` modules.
 */
import { verify as cryptoVerify, hash, KeyObject } from 'node:crypto';
import { KeyRing, type VerificationKey } from './key-ring.js';
import type { VerifyOptions } from './policy.js';
import { type SignatureBackend, TokenVerifier } from './verify.js';

const NODE_HASH: Readonly<Record<string, string>> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
};

// Remember keys already checked to be RSA so the hot path skips the native getter.
const RSA_KEYS = new WeakSet<KeyObject>();

function isRsaKey(key: unknown): key is KeyObject {
  if (!(key instanceof KeyObject)) return false;
  if (RSA_KEYS.has(key)) return true;
  // An EC or Ed25519 key must never verify an RS* token (algorithm confusion), nor a secret key.
  if (key.type === 'secret' || key.asymmetricKeyType !== 'rsa') return false;
  RSA_KEYS.add(key);
  return true;
}

/** RSASSA-PKCS1-v1_5 through node:crypto; keys must be RSA KeyObjects (public or private). */
export const nodeSignatureBackend: SignatureBackend = {
  verify(alg, key, signingInput, signature) {
    const hash = NODE_HASH[alg];
    if (hash === undefined || !isRsaKey(key)) return false;
    return cryptoVerify(hash, signingInput, key, signature);
  },
};

/**
 * Builds a TokenVerifier on the node:crypto backend.
 * @example createNodeVerifier([{ key: createPublicKey(pem) }]).verify(token)
 */
export function createNodeVerifier(
  keys: VerificationKey[] | KeyRing,
  options?: VerifyOptions & { cache?: { maxEntries?: number } | false },
): TokenVerifier {
  const keyRing = keys instanceof KeyRing ? keys : new KeyRing(keys);
  const { cache, ...verifyOptions } = options ?? {};
  return new TokenVerifier({
    keyRing,
    backend: nodeSignatureBackend,
    options: verifyOptions,
    ...(cache === undefined ? {} : { cache }),
  });
}

/**
 * First 16 hex chars of sha256(token): safe to log or audit; the token itself never is.
 * One-shot `crypto.hash` (Node 21.7+): half the CPU of a Hash object for a short input
 * (0.63 vs 1.11 µs per token, same run), which every fresh token pays.
 */
export function tokenFingerprint(token: string): string {
  return hash('sha256', token, 'hex').slice(0, 16);
}
