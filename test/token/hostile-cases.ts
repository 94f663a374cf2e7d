/**
 * The hostile-token case table, shared by the verifier's own test (test/token/hostile.test.ts) and
 * the edge bundles (test/edge/hostile.test.ts), so every runtime is held to the same rows.
 * Each case names the exact refusal code; `now` is the instant the table is built around.
 */
import type { KeyObject } from 'node:crypto';
import { encodeBase64Url } from '../../src/token/base64url.js';
import type { TokenErrorCode } from '../../src/token/errors.js';
import { signToken } from '../../src/token/sign.js';
import {
  craft,
  craftHs256,
  craftJson,
  jamfClaims as jamfClaimsAtNow,
  NOW,
  rsaPair,
} from './helpers.js';

/** One row: a name, the token (any value, as a caller might pass it) and the expected code. */
export type HostileCase = [name: string, token: unknown, code: TokenErrorCode];

/** The table and what a verifier under test needs: the trusted key and the untampered tokens. */
export interface HostileTable {
  cases: HostileCase[];
  publicKey: KeyObject;
  /** Tokens that must pass (so the table is not vacuous). */
  good: string;
  spaced: string;
  nonCanonical: string;
}

/** The trusted key pair and an attacker's. */
export interface HostileKeys {
  trusted: { privateKey: KeyObject; publicKey: KeyObject };
  other: { privateKey: KeyObject; publicKey: KeyObject };
}

/** Replaces the last character of a segment with another that decodes to different bits. */
function flipLast(segment: string): string {
  const last = segment.at(-1)!;
  return segment.slice(0, -1) + (last === 'A' ? 'Q' : 'A');
}

/**
 * Builds the table with fresh keys around `now` (default the token tests' fixed NOW; the edge
 * passes the real clock, since workerd's cannot be frozen) and, given `keys`, with those keys.
 */
export function hostileTokenTable(
  now: number = NOW,
  keys: HostileKeys = { trusted: rsaPair(), other: rsaPair() },
): HostileTable {
  const jamfClaims = (extra: Record<string, unknown> = {}) =>
    jamfClaimsAtNow({ exp: now + 900, ...extra });
  const { privateKey, publicKey } = keys.trusted;
  const other = keys.other;
  const good = signToken(privateKey, { now });
  const [h, p, s] = good.split('.') as [string, string, string];
  const b64 = (text: string) => encodeBase64Url(text);
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const RS = '{"alg":"RS256"}';
  const claimsJson = JSON.stringify(jamfClaims());

  // '{"alg":"RS256" }' is 16 bytes → 22 chars ending in 'fQ'; 'fR' decodes to the same bytes leniently.
  const spaced = craft('{"alg":"RS256" }', claimsJson, privateKey);
  const nonCanonical = spaced.replace(/^([^.]*)fQ\./, '$1fR.');

  const cases: HostileCase[] = [
    ['undefined', undefined, 'TOKEN_MISSING'],
    ['null', null, 'TOKEN_MISSING'],
    ['empty string', '', 'TOKEN_MISSING'],
    ['number instead of string', 42, 'TOKEN_MALFORMED'],
    ['oversized (checked before decoding)', `${'A'.repeat(5000)}`, 'TOKEN_TOO_LARGE'],
    [
      'oversized valid-looking token',
      `${h}.${b64(JSON.stringify(jamfClaims({ pad: 'x'.repeat(4000) })))}.${s}`,
      'TOKEN_TOO_LARGE',
    ],
    ['one segment', h, 'TOKEN_MALFORMED'],
    ['two segments', `${h}.${p}`, 'TOKEN_MALFORMED'],
    ['four segments', `${good}.${s}`, 'TOKEN_MALFORMED'],
    ['five segments (JWE shape)', `${h}..${p}.${s}.${s}`, 'TOKEN_MALFORMED'],
    ['empty header', `.${p}.${s}`, 'TOKEN_MALFORMED'],
    ['header with padding', `${b64(RS)}=.${p}.${s}`, 'TOKEN_MALFORMED'],
    ['header with +', `${h.slice(0, -1)}+.${p}.${s}`, 'TOKEN_MALFORMED'],
    ['header with /', `${h.slice(0, -1)}/.${p}.${s}`, 'TOKEN_MALFORMED'],
    ['header with whitespace', ` ${h}.${p}.${s}`, 'TOKEN_MALFORMED'],
    ['header with newline', `${h}\n.${p}.${s}`, 'TOKEN_MALFORMED'],
    ['header non-canonical trailing bits', nonCanonical, 'TOKEN_MALFORMED'],
    ['header length ≡ 1 mod 4', `${h}A.${p}.${s}`, 'TOKEN_MALFORMED'],
    ['header is JSON array', `${b64('[{"alg":"RS256"}]')}.${p}.${s}`, 'TOKEN_MALFORMED'],
    ['header is JSON string', `${b64('"RS256"')}.${p}.${s}`, 'TOKEN_MALFORMED'],
    ['header is JSON number', `${b64('256')}.${p}.${s}`, 'TOKEN_MALFORMED'],
    ['header is JSON null', `${b64('null')}.${p}.${s}`, 'TOKEN_MALFORMED'],
    ['header is not JSON', `${b64('{alg:RS256}')}.${p}.${s}`, 'TOKEN_MALFORMED'],
    ['header has BOM', `${b64('\uFEFF{"alg":"RS256"}')}.${p}.${s}`, 'TOKEN_MALFORMED'],
    [
      'header invalid UTF-8',
      `${encodeBase64Url(new Uint8Array([0x7b, 0xff, 0x7d]))}.${p}.${s}`,
      'TOKEN_MALFORMED',
    ],
    [
      'duplicate alg in header',
      craft('{"alg":"none","alg":"RS256"}', claimsJson, privateKey),
      'TOKEN_MALFORMED',
    ],
    [
      'duplicate alg via escape',
      craft('{"alg":"RS256","\\u0061lg":"RS256"}', claimsJson, privateKey),
      'TOKEN_MALFORMED',
    ],
    ['unicode in token', `${h}.${p}é.${s}`, 'TOKEN_MALFORMED'],
    ['unicode (emoji) header', `😀.${p}.${s}`, 'TOKEN_MALFORMED'],
    ['alg none', `${b64('{"alg":"none"}')}.${p}.`, 'ALG_NOT_ALLOWED'],
    ['alg None', `${b64('{"alg":"None"}')}.${p}.`, 'ALG_NOT_ALLOWED'],
    ['alg NONE with good signature', `${b64('{"alg":"NONE"}')}.${p}.${s}`, 'ALG_NOT_ALLOWED'],
    ['alg rs256 (case)', craft('{"alg":"rs256"}', claimsJson, privateKey), 'ALG_NOT_ALLOWED'],
    ['alg missing', craft('{"typ":"JWT"}', claimsJson, privateKey), 'ALG_NOT_ALLOWED'],
    ['alg not a string', craft('{"alg":["RS256"]}', claimsJson, privateKey), 'ALG_NOT_ALLOWED'],
    [
      'HS256 keyed with the public PEM',
      craftHs256({ alg: 'HS256' }, jamfClaims(), publicPem),
      'ALG_NOT_ALLOWED',
    ],
    [
      'RS384 not on default allow-list',
      craft('{"alg":"RS384"}', claimsJson, privateKey),
      'ALG_NOT_ALLOWED',
    ],
    ['ES256 header', craft('{"alg":"ES256"}', claimsJson, privateKey), 'ALG_NOT_ALLOWED'],
    [
      'crit',
      craftJson({ alg: 'RS256', crit: ['exp'] }, jamfClaims(), privateKey),
      'HEADER_NOT_ALLOWED',
    ],
    [
      'jku',
      craftJson({ alg: 'RS256', jku: 'https://evil.example/jwks' }, jamfClaims(), privateKey),
      'HEADER_NOT_ALLOWED',
    ],
    [
      'x5u',
      craftJson({ alg: 'RS256', x5u: 'https://evil.example/cert' }, jamfClaims(), privateKey),
      'HEADER_NOT_ALLOWED',
    ],
    [
      'embedded jwk of the attacker',
      craftJson(
        { alg: 'RS256', jwk: other.publicKey.export({ format: 'jwk' }) },
        jamfClaims(),
        other.privateKey,
      ),
      'HEADER_NOT_ALLOWED',
    ],
    [
      'x5c',
      craftJson({ alg: 'RS256', x5c: ['MIIB'] }, jamfClaims(), privateKey),
      'HEADER_NOT_ALLOWED',
    ],
    [
      'b64 false',
      craftJson({ alg: 'RS256', b64: false }, jamfClaims(), privateKey),
      'HEADER_NOT_ALLOWED',
    ],
    [
      'typ not JWT',
      craftJson({ alg: 'RS256', typ: 'at+jwt' }, jamfClaims(), privateKey),
      'HEADER_NOT_ALLOWED',
    ],
    [
      'kid not a string',
      craftJson({ alg: 'RS256', kid: 7 }, jamfClaims(), privateKey),
      'HEADER_NOT_ALLOWED',
    ],
    [
      'kid unknown',
      craftJson({ alg: 'RS256', kid: 'nope' }, jamfClaims(), privateKey),
      'KEY_NOT_FOUND',
    ],
    ['stripped signature', `${h}.${p}.`, 'SIGNATURE_INVALID'],
    [
      'altered signature',
      `${h}.${p}.${flipLast(s.slice(0, -2)) + s.slice(-2)}`,
      'SIGNATURE_INVALID',
    ],
    ['truncated signature (still canonical)', `${h}.${p}.${s.slice(0, -2)}`, 'SIGNATURE_INVALID'],
    ['signature bad base64url', `${h}.${p}.${s.slice(0, -1)}*`, 'TOKEN_MALFORMED'],
    ['signature with padding', `${h}.${p}.${s}==`, 'TOKEN_MALFORMED'],
    [
      'payload swapped (exp extended)',
      `${h}.${b64(JSON.stringify(jamfClaims({ exp: now + 99999 })))}.${s}`,
      'SIGNATURE_INVALID',
    ],
    [
      'signed by another key',
      craftJson({ alg: 'RS256' }, jamfClaims(), other.privateKey),
      'SIGNATURE_INVALID',
    ],
    [
      'expired and bad signature → signature first',
      craftJson({ alg: 'RS256' }, jamfClaims({ exp: now - 9999 }), other.privateKey),
      'SIGNATURE_INVALID',
    ],
    ['payload bad base64url', `${h}.${p}!.${s}`, 'TOKEN_MALFORMED'],
    ['payload is JSON array (signed)', craft(RS, '[1,2]', privateKey), 'TOKEN_MALFORMED'],
    ['payload is JSON string (signed)', craft(RS, '"AppManifest"', privateKey), 'TOKEN_MALFORMED'],
    [
      'payload duplicate exp (signed)',
      craft(RS, `{"sub":"AppManifest","iss":"JSS","exp":1,"exp":${now + 900}}`, privateKey),
      'TOKEN_MALFORMED',
    ],
    [
      'payload nested duplicate (signed)',
      craft(
        RS,
        `{"sub":"AppManifest","iss":"JSS","exp":${now + 900},"x":{"a":1,"a":2}}`,
        privateKey,
      ),
      'TOKEN_MALFORMED',
    ],
    [
      'exp missing',
      craftJson({ alg: 'RS256' }, { sub: 'AppManifest', iss: 'JSS' }, privateKey),
      'CLAIM_INVALID',
    ],
    [
      'exp as string',
      craftJson({ alg: 'RS256' }, jamfClaims({ exp: String(now + 900) }), privateKey),
      'CLAIM_INVALID',
    ],
    [
      'exp negative',
      craftJson({ alg: 'RS256' }, jamfClaims({ exp: -1 }), privateKey),
      'CLAIM_INVALID',
    ],
    [
      'exp beyond year 9999',
      craftJson({ alg: 'RS256' }, jamfClaims({ exp: 253_402_300_800 }), privateKey),
      'CLAIM_INVALID',
    ],
    [
      'exp huge (1e300)',
      craft(RS, '{"sub":"AppManifest","iss":"JSS","exp":1e300}', privateKey),
      'CLAIM_INVALID',
    ],
    [
      'exp null',
      craftJson({ alg: 'RS256' }, jamfClaims({ exp: null }), privateKey),
      'CLAIM_INVALID',
    ],
    [
      'exp boolean',
      craftJson({ alg: 'RS256' }, jamfClaims({ exp: true }), privateKey),
      'CLAIM_INVALID',
    ],
    [
      'exp in the past',
      craftJson({ alg: 'RS256' }, jamfClaims({ exp: now - 61 }), privateKey),
      'TOKEN_EXPIRED',
    ],
    [
      'exp fractional, past',
      craftJson({ alg: 'RS256' }, jamfClaims({ exp: now - 60.5 }), privateKey),
      'TOKEN_EXPIRED',
    ],
    [
      'nbf in the future',
      craftJson({ alg: 'RS256' }, jamfClaims({ nbf: now + 61 }), privateKey),
      'TOKEN_NOT_YET_VALID',
    ],
    [
      'iat in the future',
      craftJson({ alg: 'RS256' }, jamfClaims({ iat: now + 120 }), privateKey),
      'TOKEN_NOT_YET_VALID',
    ],
    [
      'nbf as string',
      craftJson({ alg: 'RS256' }, jamfClaims({ nbf: 'yesterday' }), privateKey),
      'CLAIM_INVALID',
    ],
    [
      'wrong iss',
      craftJson({ alg: 'RS256' }, jamfClaims({ iss: 'JSS2' }), privateKey),
      'CLAIM_INVALID',
    ],
    [
      'iss as array',
      craftJson({ alg: 'RS256' }, jamfClaims({ iss: ['JSS'] }), privateKey),
      'CLAIM_INVALID',
    ],
    [
      'wrong sub',
      craftJson({ alg: 'RS256' }, jamfClaims({ sub: 'Admin' }), privateKey),
      'CLAIM_INVALID',
    ],
    [
      'sub missing',
      craftJson({ alg: 'RS256' }, { iss: 'JSS', exp: now + 900 }, privateKey),
      'CLAIM_INVALID',
    ],
  ];
  return { cases, publicKey, good, spaced, nonCanonical };
}
