/**
 * JWK/JWKS in and out: RFC 7638 thumbprints (the RFC's own example and jose as a peer), export
 * shape, and refusal of JWKS members that cannot verify RS256.
 */
import { Buffer } from 'node:buffer';
import { createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  jwks,
  jwkThumbprint,
  keyFingerprint,
  publicJwk,
  readPrivateKey,
  readPublicKeys,
} from '../../src/keys/index.js';
import { keyErrorOf } from './helpers.js';

// RFC 7638 §3.1 example key and its published thumbprint (n as printed in the RFC, joined).
const RFC_N =
  '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
const RFC_KID = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

let a: KeyObject; // private
let b: KeyObject; // private
beforeAll(() => {
  a = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  b = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
});

describe('jwkThumbprint', () => {
  it('matches the RFC 7638 §3.1 example', () => {
    const key = createPublicKey({ key: { kty: 'RSA', n: RFC_N, e: 'AQAB' }, format: 'jwk' });
    expect(jwkThumbprint(key)).toBe(RFC_KID);
  });

  it('agrees with jose for generated keys, private or public half', async () => {
    const jwk = createPublicKey(a).export({ format: 'jwk' });
    const peer = await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n!, e: jwk.e! }, 'sha256');
    expect(jwkThumbprint(a)).toBe(peer);
    expect(jwkThumbprint(createPublicKey(a))).toBe(peer);
  });
});

describe('publicJwk and jwks', () => {
  it('exports kty/n/e with kid = thumbprint, alg RS256, use sig, and no private members', () => {
    const jwk = publicJwk(a);
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(jwk).toMatchObject({
      kty: 'RSA',
      e: 'AQAB',
      kid: jwkThumbprint(a),
      alg: 'RS256',
      use: 'sig',
    });
  });

  it('keeps a given kid', () => {
    expect(publicJwk(a, { kid: 'jamf-2026' }).kid).toBe('jamf-2026');
  });

  it('builds a JWKS from KeyObjects or {key, kid}, listing repeats once', () => {
    expect(jwks([a, b, a]).keys.map((k) => k.kid)).toEqual([jwkThumbprint(a), jwkThumbprint(b)]);
    const set = jwks([{ key: a, kid: 'one' }, { key: b }]);
    expect(set.keys.map((k) => k.kid)).toEqual(['one', jwkThumbprint(b)]);
  });

  it('refuses two different keys under one kid', () => {
    expect(
      keyErrorOf(() =>
        jwks([
          { key: a, kid: 'x' },
          { key: b, kid: 'x' },
        ]),
      ).code,
    ).toBe('KEY_KID_CONFLICT');
  });

  it('round-trips: a published JWKS reads back to the same keys and kids', () => {
    const text = JSON.stringify(jwks([{ key: a, kid: 'one' }, { key: b }]));
    const back = readPublicKeys(text);
    expect(back.map((k) => [k.kid, k.format])).toEqual([
      ['one', 'jwks'],
      [jwkThumbprint(b), 'jwks'],
    ]);
    expect(keyFingerprint(back[0]!.key)).toBe(keyFingerprint(a));
  });
});

describe('reading JWK input', () => {
  it('reads a private JWK as a private key and a public JWK as public', () => {
    const priv = JSON.stringify(a.export({ format: 'jwk' }));
    expect(readPrivateKey(priv).format).toBe('jwk');
    expect(readPublicKeys(priv)[0]!.key.type).toBe('public');
    const pub = JSON.stringify(publicJwk(a));
    expect(keyErrorOf(() => readPrivateKey(pub)).code).toBe('KEY_NOT_PRIVATE');
    expect(readPublicKeys(pub)).toMatchObject([{ kid: jwkThumbprint(a), format: 'jwk' }]);
  });

  it('refuses a JWKS with an EC member, naming its kid', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      format: 'jwk',
    });
    const text = JSON.stringify({ keys: [publicJwk(a), { ...ec, kid: 'ec-key-1' }] });
    const err = keyErrorOf(() => readPublicKeys(text));
    expect(err.code).toBe('KEY_NOT_RSA');
    expect(err.message).toContain('ec-key-1');
  });

  it.each([
    ['alg RS512', { alg: 'RS512' }],
    ['alg none', { alg: 'none' }],
    ['use enc', { use: 'enc' }],
    ['a numeric kid', { kid: 7 }],
    ['a kid with a newline', { kid: 'a\nb' }],
    ['a kid of 300 characters', { kid: 'k'.repeat(300) }],
    ['n that is not base64url', { n: 'a+b/c=' }],
    ['no e', { e: undefined }],
  ])('refuses a JWK with %s', (_name, patch) => {
    const jwk = { ...publicJwk(a), ...patch };
    expect(keyErrorOf(() => readPublicKeys(JSON.stringify(jwk))).code).toBe('KEY_JWK_INVALID');
  });

  it('refuses a JWKS that reuses a kid for a different key', () => {
    const text = JSON.stringify({ keys: [publicJwk(a, { kid: 'x' }), publicJwk(b, { kid: 'x' })] });
    expect(keyErrorOf(() => readPublicKeys(text)).code).toBe('KEY_KID_CONFLICT');
  });

  it.each([
    ['broken JSON', '{"keys": [', 'KEY_UNREADABLE'],
    ['a JSON array', '[1,2]', 'KEY_FORMAT_UNSUPPORTED'],
    ['an empty JWKS', '{"keys": []}', 'KEY_JWK_INVALID'],
    ['keys that is not an array', '{"keys": {}}', 'KEY_JWK_INVALID'],
    ['a JWK without kty', '{"n": "AQAB", "e": "AQAB"}', 'KEY_NOT_RSA'],
    ['an oct (HMAC) key', '{"kty": "oct", "k": "c2VjcmV0"}', 'KEY_NOT_RSA'],
  ])('refuses %s', (_name, text, code) => {
    expect(keyErrorOf(() => readPublicKeys(text)).code).toBe(code);
  });

  it('refuses a JWKS with more than 100 keys', () => {
    const text = JSON.stringify({ keys: Array.from({ length: 101 }, () => publicJwk(a)) });
    expect(keyErrorOf(() => readPublicKeys(text)).code).toBe('KEY_JWK_INVALID');
  });

  it('refuses a JWKS holding two private keys where one is needed', () => {
    const text = JSON.stringify({
      keys: [a.export({ format: 'jwk' }), b.export({ format: 'jwk' })],
    });
    expect(keyErrorOf(() => readPrivateKey(text)).code).toBe('KEY_AMBIGUOUS');
  });
});

describe('RSA parameters out of bounds', () => {
  const jwkWith = (n: Buffer, e: string): string =>
    JSON.stringify({ kty: 'RSA', n: n.toString('base64url'), e });

  it('refuses a modulus over 8192 bits with KEY_TOO_LARGE', () => {
    const n = randomBytes(1100);
    n[0]! |= 0x80;
    n[n.length - 1]! |= 1;
    const err = keyErrorOf(() => readPublicKeys(jwkWith(n, 'AQAB')));
    expect(err.code).toBe('KEY_TOO_LARGE');
    expect(err.message).toContain('8800-bit');
  });

  it.each([
    ['1', 'AQ'],
    ['2', 'Ag'],
    ['65536', 'AQAA'],
  ])('refuses public exponent %s with KEY_INVALID', (_e, e) => {
    const n = Buffer.from(createPublicKey(a).export({ format: 'jwk' }).n!, 'base64url');
    expect(keyErrorOf(() => readPublicKeys(jwkWith(n, e))).code).toBe('KEY_INVALID');
  });
});
