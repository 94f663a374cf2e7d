/**
 * The edge's decision for one request, the same steps in the same order as the content listener
 * (server/content.ts): method → path check → token → signature and claims → path claim → directory.
 * Pure apart from WebCrypto and the key cache; both bundles (Worker, Lambda@Edge) call it.
 */
import { checkRequestPath } from '../../http/path.js';
import { PATH_CLAIM } from '../../token/claims.js';
import { decodeJsonSegment, splitToken } from '../../token/decode.js';
import { TokenError, type TokenErrorCode } from '../../token/errors.js';
import type { VerifyOptions } from '../../token/policy.js';
import { requestToken } from '../../token/request-token.js';
import { type VerifiedToken, verifyTokenAsync } from '../../token/verify.js';
import { webCryptoBackend } from '../../token/webcrypto.js';
import type { EdgePolicy, EdgeServeCode } from './config.js';
import type { EdgeKeys } from './jwks-cache.js';

/** What the gate decided. */
export type GateResult =
  | { ok: true; segments: string[]; query: string; claims: Record<string, unknown> }
  | { ok: false; code: TokenErrorCode | EdgeServeCode };

/** The request facts the gate looks at. */
export interface GateRequest {
  method: string;
  /** The path as received (percent-encoded), without the query. */
  rawPath: string;
  /** The raw query string without `?`. */
  query: string;
}

/** Decides one request; never throws for hostile input. */
export async function gate(
  req: GateRequest,
  keys: EdgeKeys,
  policy: EdgePolicy,
  now: number,
): Promise<GateResult> {
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return { ok: false, code: 'METHOD_NOT_ALLOWED' };
  const checked = checkRequestPath(req.rawPath);
  if (!checked.ok) return { ok: false, code: 'PATH_REJECTED' };
  let verified: VerifiedToken;
  try {
    verified = await verifyWithRefetch(queryToken(req.query), keys, options(policy), now);
  } catch (err) {
    return { ok: false, code: err instanceof TokenError ? err.code : 'TOKEN_MALFORMED' };
  }
  const bound = verified.claims[PATH_CLAIM];
  if (bound !== undefined && (bound !== checked.path || checked.directory)) {
    return { ok: false, code: 'TOKEN_PATH_MISMATCH' };
  }
  if (checked.directory) return { ok: false, code: 'NOT_FOUND' };
  return { ok: true, segments: checked.segments, query: req.query, claims: verified.claims };
}

/**
 * The `token` parameter by the listener's own rules (src/token/request-token.ts: one, non-empty,
 * names form-decoded); none is TOKEN_MISSING. The edge reads only the query: Jamf Pro never
 * sends `Authorization`.
 */
function queryToken(query: string): string {
  const token = requestToken(query, undefined, false);
  if (token instanceof TokenError) throw token;
  if (token === null) throw new TokenError('TOKEN_MISSING');
  return token;
}

function options(policy: EdgePolicy): VerifyOptions {
  return {
    leewaySeconds: policy.leewaySeconds,
    issuer: policy.issuer,
    subject: policy.subject,
    ...(policy.audience === undefined ? {} : { audience: policy.audience }),
  };
}

/** Verifies; on KEY_NOT_FOUND asks the key cache for a (bounded) refetch and tries once more. */
async function verifyWithRefetch(
  token: string,
  keys: EdgeKeys,
  opts: VerifyOptions,
  now: number,
): Promise<VerifiedToken> {
  const run = async (ring: Awaited<ReturnType<EdgeKeys['ring']>>) =>
    verifyTokenAsync(token, { keyRing: ring, backend: webCryptoBackend, options: opts, now });
  try {
    return await run(await keys.ring());
  } catch (err) {
    if (!(err instanceof TokenError) || err.code !== 'KEY_NOT_FOUND') throw err;
    // The header passed the structural checks already; the unverified payload is not parsed.
    const kid = decodeJsonSegment(splitToken(token).header, 'header').kid;
    const ring = await keys.refreshForUnknown(typeof kid === 'string' ? kid : undefined);
    if (ring === null) throw err;
    return run(ring);
  }
}
