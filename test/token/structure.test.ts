import { describe, expect, it } from 'vitest';
import {
  decodeBase64Url,
  decodeBase64UrlPortable,
  encodeBase64Url,
  isCanonicalBase64Url,
} from '../../src/token/base64url.js';
import { decodeToken, splitToken } from '../../src/token/decode.js';
import { hasDuplicateMembers, parseJsonObject } from '../../src/token/json.js';

describe('base64url', () => {
  it('round-trips every length and all byte values', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (let n = 0; n <= 10; n++) {
      const slice = bytes.subarray(0, n);
      const text = encodeBase64Url(slice);
      expect(text).toBe(Buffer.from(slice).toString('base64url'));
      expect([...decodeBase64Url(text)!]).toEqual([...slice]);
      expect(decodeBase64UrlPortable(text)).toEqual(slice);
    }
    expect([...decodeBase64Url(encodeBase64Url(bytes))!]).toEqual([...bytes]);
  });

  it.each([
    ['padding', 'YQ=='],
    ['plus', 'a+b_'],
    ['slash', 'a/b_'],
    ['space', 'YW Jj'],
    ['length 1 mod 4', 'YWJjZ'],
    ['non-zero trailing bits (2-char tail)', 'YR'],
    ['non-zero trailing bits (3-char tail)', 'YWJ'],
    ['non-ASCII', 'YWJé'],
  ])('refuses %s (native and portable decoders)', (_name, text) => {
    expect(isCanonicalBase64Url(text)).toBe(false);
    expect(decodeBase64Url(text)).toBeNull();
    expect(decodeBase64UrlPortable(text)).toBeNull();
  });

  it('native and portable decoders agree on 20,000 random near-base64url strings', () => {
    // Deterministic LCG so a failure is reproducible.
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= .é';
    for (let n = 0; n < 20_000; n++) {
      const length = next() % 12;
      let text = '';
      for (let i = 0; i < length; i++) {
        // Mostly valid characters, sometimes one of the lenient-decoder traps.
        const pool = next() % 10 === 0 ? chars.length : 64;
        text += chars[next() % pool];
      }
      const native = decodeBase64Url(text);
      const portable = decodeBase64UrlPortable(text);
      expect(native === null, text).toBe(portable === null);
      expect(native === null, text).toBe(!isCanonicalBase64Url(text));
      if (native && portable) expect([...native], text).toEqual([...portable]);
    }
  });

  it('accepts the canonical spellings of the same bytes', () => {
    expect([...decodeBase64Url('YQ')!]).toEqual([0x61]);
    expect([...decodeBase64Url('YWI')!]).toEqual([0x61, 0x62]);
    expect(decodeBase64UrlPortable('YWI')).toEqual(new Uint8Array([0x61, 0x62]));
  });
});

describe('JSON objects', () => {
  it.each([
    ['{"a":1,"a":2}', true],
    ['{"a":1,"b":{"a":2}}', false],
    ['{"a":{"x":1,"x":2}}', true],
    ['{"a":[{"x":1},{"x":2}]}', false],
    ['{"a":"\\"a\\":","a":1}', true],
    ['{"a\\"":1,"a":2}', false],
    ['{"\\u0061":1,"a":2}', true],
    ['{"list":["a","a"]}', false],
    ['{}', false],
  ])('%s duplicate=%s', (json, dup) => {
    expect(hasDuplicateMembers(json)).toBe(dup);
  });

  it('accepts objects only', () => {
    expect(parseJsonObject('{"a":1}')).toEqual({ a: 1 });
    for (const text of ['[]', '"x"', '1', 'null', 'true', '{', ''])
      expect(parseJsonObject(text)).toBeNull();
  });
});

describe('decodeToken', () => {
  it('returns header, claims, signature bytes and the exact signing input', () => {
    const token = `${encodeBase64Url('{"alg":"RS256"}')}.${encodeBase64Url('{"exp":1}')}.${encodeBase64Url(new Uint8Array([1, 2, 3]))}`;
    const d = decodeToken(token);
    expect(d.header).toEqual({ alg: 'RS256' });
    expect(d.claims).toEqual({ exp: 1 });
    expect([...d.signature]).toEqual([1, 2, 3]);
    expect(d.signingInput).toBe(token.slice(0, token.lastIndexOf('.')));
  });

  it('refuses the wrong number of segments', () => {
    expect(() => splitToken('a.b')).toThrow(expect.objectContaining({ code: 'TOKEN_MALFORMED' }));
    expect(() => splitToken('a.b.c.d')).toThrow(
      expect.objectContaining({ code: 'TOKEN_MALFORMED' }),
    );
    expect(() => splitToken('')).toThrow(expect.objectContaining({ code: 'TOKEN_MISSING' }));
  });
});

describe('duplicate detection edge cases', () => {
  it.each([
    ['{"__proto__":1,"__proto__":2}', true],
    ['{"__proto__":{"a":1,"a":2}}', true],
    ['{"a":[[{"b":1,"b":1}]]}', true],
    ['{"a":[[{"b":1,"c":1}]],"d":{"e":{"f":{}}}}', false],
    ['{"a":"{\\"x\\":1,\\"x\\":2}"}', false],
    ['{"": 1, "": 2}', true],
    [' { "a" : 1 , "b" : [ 1 , { "a" : 2 } ] } ', false],
  ])('%s duplicate=%s', (json, dup) => {
    expect(hasDuplicateMembers(json)).toBe(dup);
    expect(parseJsonObject(json) === null).toBe(dup);
  });
});
