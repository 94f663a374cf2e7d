/**
 * Token crafting for `portcullis probe`. The hostile tokens are built by hand with node:crypto on
 * purpose: our own signer refuses to make most of them, and a probe must not depend on the code it
 * audits.
 */
import { createHmac, createPublicKey, type KeyObject, sign as rsaSign } from 'node:crypto';
import type { ProbeCaseId, ProbeExpectation } from '../contracts/probe-runner.js';
import { PATH_CLAIM } from '../token/claims.js';

export type { ProbeCaseId, ProbeExpectation } from '../contracts/probe-runner.js';

/** Lifetime of the probe's valid token in seconds: short, it is a real key. */
export const PROBE_TOKEN_SECONDS = 300;

/** One request the probe makes: where the token goes and what should happen. */
export interface ProbeCase {
  id: ProbeCaseId;
  /** One line for the table: what is wrong with the token. */
  title: string;
  expected: ProbeExpectation;
  /** The token to send, or null for none. Never printed: the valid one opens the door. */
  token: string | null;
  /** Where the token travels: the Jamf-style `token` query parameter or an Authorization header. */
  placement: 'query' | 'bearer';
}

/** The Jamf Pro claims a distribution point accepts. */
const JAMF_ISSUER = 'JSS';
const JAMF_SUBJECT = 'AppManifest';
/** Far enough from now that no sane clock leeway (ours is 60 s) covers it. */
const HOUR = 3600;
/** A host under the reserved `.invalid` TLD: it can never resolve, so a probe never calls out. */
const ATTACKER_JKU = 'https://attacker.invalid/.well-known/jwks.json';

/** base64url without padding (RFC 7515 §2). */
function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function segment(value: Record<string, unknown>): string {
  return b64url(JSON.stringify(value));
}

/** Signs `header.payload` with RS256 (RSASSA-PKCS1-v1_5 + SHA-256). */
function signRs256(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: KeyObject,
) {
  const input = `${segment(header)}.${segment(claims)}`;
  return `${input}.${b64url(rsaSign('sha256', Buffer.from(input), key))}`;
}

/** Signs with HS256 using `secret` as the HMAC key: the classic RS/HS key-confusion attack. */
function signHs256(claims: Record<string, unknown>, secret: string): string {
  const input = `${segment({ alg: 'HS256' })}.${segment(claims)}`;
  return `${input}.${b64url(createHmac('sha256', secret).update(input).digest())}`;
}

/** Flips bits in the middle of the signature so it stays well-formed base64url of the right length. */
function corruptSignature(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const sig = Buffer.from(s, 'base64url');
  const middle = sig.length >> 1;
  sig[middle] = (sig[middle] ?? 0) ^ 0xff;
  return `${h}.${p}.${b64url(sig)}`;
}

/** Inputs for {@link craftProbeCases}. */
export interface CraftOptions {
  /** The distribution point's private key (the one Jamf signs with). */
  privateKey: KeyObject;
  /** A different RSA private key, playing the attacker. */
  attackerKey: KeyObject;
  /** Unix seconds; defaults to the wall clock. */
  now?: number;
  /** Lifetime of the valid token in seconds (default {@link PROBE_TOKEN_SECONDS}). */
  validForSeconds?: number;
  /**
   * The decoded path of the probed file ({@link probePathClaim}): every token carries it as the
   * path claim, so the valid one opens that file only and a captured token opens nothing else.
   */
  path?: string;
}

/**
 * Builds every probe case: hostile tokens first, then the valid Jamf-shaped token, then the
 * informational Bearer variant.
 */
export function craftProbeCases(opts: CraftOptions): ProbeCase[] {
  const now = Math.floor(opts.now ?? Date.now() / 1000);
  const exp = now + (opts.validForSeconds ?? PROBE_TOKEN_SECONDS);
  // Claim order is Jamf's (sub, iss, exp) then the binding, as the signer writes it: RS256 is
  // deterministic, so the admin API fingerprints exactly this valid token in its change log.
  const bound = opts.path === undefined ? {} : { [PATH_CLAIM]: opts.path };
  const jamf = { sub: JAMF_SUBJECT, iss: JAMF_ISSUER, exp, ...bound };
  const rs256 = { alg: 'RS256' };
  const valid = signRs256(rs256, jamf, opts.privateKey);
  const publicKey = createPublicKey(opts.privateKey);
  const spkiPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const pkcs1Pem = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const attackerJwk = createPublicKey(opts.attackerKey).export({ format: 'jwk' });
  const own = (claims: Record<string, unknown>) => signRs256(rs256, claims, opts.privateKey);
  const q = (id: ProbeCaseId, title: string, token: string | null): ProbeCase => ({
    id,
    title,
    expected: 'refused',
    token,
    placement: 'query',
  });
  return [
    q('no-token', 'no token at all', null),
    q('garbage-token', 'not a JWT', 'not-a.jwt'),
    q('bad-signature', 'valid claims, corrupted signature', corruptSignature(valid)),
    q('foreign-key', 'signed by a different RSA key', signRs256(rs256, jamf, opts.attackerKey)),
    q('expired', 'exp one hour ago', own({ ...jamf, exp: now - HOUR })),
    q('not-yet-valid', 'nbf one hour ahead', own({ ...jamf, nbf: now + HOUR, exp: exp + HOUR })),
    q(
      'no-exp',
      'no exp claim (never expires)',
      own({ sub: JAMF_SUBJECT, iss: JAMF_ISSUER, ...bound }),
    ),
    q('wrong-iss', 'iss is not JSS', own({ ...jamf, iss: 'NotJSS' })),
    q('wrong-sub', 'sub is not AppManifest', own({ ...jamf, sub: 'NotAppManifest' })),
    q('alg-none', 'alg "none", empty signature', `${segment({ alg: 'none' })}.${segment(jamf)}.`),
    q('hs256-public-key', 'HS256, public key PEM (SPKI) as secret', signHs256(jamf, spkiPem)),
    q(
      'hs256-public-key-pkcs1',
      'HS256, public key PEM (PKCS#1) as secret',
      signHs256(jamf, pkcs1Pem),
    ),
    q(
      'jwk-header',
      'attacker key embedded in "jwk" header',
      signRs256({ alg: 'RS256', jwk: attackerJwk }, jamf, opts.attackerKey),
    ),
    q(
      'jku-header',
      '"jku" header pointing to an attacker JWKS',
      signRs256({ alg: 'RS256', jku: ATTACKER_JKU, kid: 'attacker' }, jamf, opts.attackerKey),
    ),
    {
      id: 'valid',
      title: 'valid Jamf-shaped token',
      expected: 'allowed',
      token: valid,
      placement: 'query',
    },
    {
      id: 'valid-bearer',
      title: 'valid token in Authorization: Bearer',
      expected: 'info',
      token: valid,
      placement: 'bearer',
    },
  ];
}
