/**
 * Reading JWK and JWKS input (RFC 7517). Only RSA keys usable for RS256 signatures are accepted;
 * anything else is refused by name (kid) rather than skipped, so a JWKS never loads partially.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { KeyError } from './errors.js';

/** One key read from a JWK or JWKS. */
export interface ImportedJwk {
  key: KeyObject;
  kid?: string;
  /** True when the JWK carried private parameters (`d`). */
  private: boolean;
  /** True when the key came from a JWKS (`{"keys": [...]}`) rather than a lone JWK. */
  fromSet: boolean;
}

const MAX_JWKS_KEYS = 100;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
// A kid ends up in logs and messages: printable ASCII only, bounded length.
const KID = /^[\x21-\x7e](?:[\x20-\x7e]{0,254}[\x21-\x7e])?$/;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/**
 * Parses JSON text holding a JWK or a JWKS and imports every member.
 * @throws KeyError KEY_UNREADABLE (not JSON), KEY_JWK_INVALID, KEY_NOT_RSA (naming the kid)
 */
export function importJwkText(text: string): ImportedJwk[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new KeyError('KEY_UNREADABLE', 'text starting with "{" is not valid JSON', {
      cause: err,
    });
  }
  if (!isObject(value)) throw new KeyError('KEY_JWK_INVALID', 'not a JSON object');
  if ('keys' in value) {
    const members = value.keys;
    if (!Array.isArray(members))
      throw new KeyError('KEY_JWK_INVALID', 'JWKS "keys" is not an array');
    if (members.length === 0) throw new KeyError('KEY_JWK_INVALID', 'JWKS has no keys');
    if (members.length > MAX_JWKS_KEYS) {
      throw new KeyError('KEY_JWK_INVALID', `JWKS has more than ${MAX_JWKS_KEYS} keys`);
    }
    return members.map((member, index) => ({
      ...importJwk(member, `JWKS key #${index + 1}`),
      fromSet: true,
    }));
  }
  return [{ ...importJwk(value, 'JWK'), fromSet: false }];
}

function importJwk(value: unknown, where: string): Omit<ImportedJwk, 'fromSet'> {
  if (!isObject(value)) throw new KeyError('KEY_JWK_INVALID', `${where} is not an object`);
  const kid = readKid(value, where);
  const name = kid === undefined ? where : `${where} (kid "${kid}")`;
  if (value.kty !== 'RSA') throw new KeyError('KEY_NOT_RSA', name);
  if (value.alg !== undefined && value.alg !== 'RS256') {
    throw new KeyError('KEY_JWK_INVALID', `${name} has an alg other than RS256`);
  }
  if (value.use !== undefined && value.use !== 'sig') {
    throw new KeyError('KEY_JWK_INVALID', `${name} has a use other than sig`);
  }
  const n = base64urlMember(value, 'n', name);
  const e = base64urlMember(value, 'e', name);
  const isPrivate = value.d !== undefined;
  try {
    if (!isPrivate) {
      const key = createPublicKey({ key: { kty: 'RSA', n, e }, format: 'jwk' });
      return { key, kid, private: false };
    }
    const jwk: Record<string, string> = { kty: 'RSA', n, e };
    for (const member of PRIVATE_MEMBERS) jwk[member] = base64urlMember(value, member, name);
    return { key: createPrivateKey({ key: jwk, format: 'jwk' }), kid, private: true };
  } catch (err) {
    if (err instanceof KeyError) throw err;
    throw new KeyError('KEY_UNREADABLE', name, { cause: err });
  }
}

function readKid(value: Record<string, unknown>, where: string): string | undefined {
  if (value.kid === undefined) return undefined;
  if (typeof value.kid !== 'string' || !KID.test(value.kid)) {
    throw new KeyError(
      'KEY_JWK_INVALID',
      `${where} has a kid that is not 1-256 printable characters`,
    );
  }
  return value.kid;
}

function base64urlMember(value: Record<string, unknown>, member: string, name: string): string {
  const raw = value[member];
  if (typeof raw !== 'string' || !BASE64URL.test(raw)) {
    throw new KeyError('KEY_JWK_INVALID', `${name} lacks a base64url "${member}"`);
  }
  return raw;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
