import { describe, expect, it } from 'vitest';
import { addTokenToUrl, extractToken } from '../../src/token/url.js';

const T = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJBcHBNYW5pZmVzdCJ9.c2ln';

describe('extractToken', () => {
  it.each([
    [T, T],
    [`  ${T}\n`, T],
    [`https://dp.example/apps/My%20App.ipa?token=${T}`, T],
    [`https://dp.example/a.pkg?x=1&token=${T}#frag`, T],
    [`/apps/a.ipa?token=${T}`, T],
  ])('%s', (input, expected) => {
    expect(extractToken(input)).toBe(expected);
  });

  it('reports a missing or duplicated token parameter', () => {
    expect(() => extractToken('https://dp.example/a.ipa')).toThrow(
      expect.objectContaining({ code: 'TOKEN_MISSING' }),
    );
    expect(() => extractToken('https://dp.example/a.ipa?token=')).toThrow(
      expect.objectContaining({ code: 'TOKEN_MISSING' }),
    );
    expect(() => extractToken('   ')).toThrow(expect.objectContaining({ code: 'TOKEN_MISSING' }));
    expect(() => extractToken(`https://dp.example/a.ipa?token=${T}&token=x`)).toThrow(
      expect.objectContaining({ code: 'TOKEN_MALFORMED' }),
    );
  });
});

describe('addTokenToUrl', () => {
  it('appends to a URL without query', () => {
    expect(addTokenToUrl('https://dp.example/a.ipa', T)).toBe(
      `https://dp.example/a.ipa?token=${T}`,
    );
  });

  it('keeps the existing query byte-for-byte and the fragment in place', () => {
    expect(addTokenToUrl('https://dp.example/My%20App.ipa?a=b%20c&x=y+z#top', T)).toBe(
      `https://dp.example/My%20App.ipa?a=b%20c&x=y+z&token=${T}#top`,
    );
  });

  it('replaces an existing token (also percent-encoded name) instead of adding a second', () => {
    expect(addTokenToUrl('https://dp.example/a.ipa?token=old&v=2&%74oken=old2', T)).toBe(
      `https://dp.example/a.ipa?v=2&token=${T}`,
    );
  });

  it('encodes characters that are not URL-safe', () => {
    expect(addTokenToUrl('https://dp/a', 'a b&c')).toBe('https://dp/a?token=a%20b%26c');
  });

  it('round-trips with extractToken', () => {
    expect(extractToken(addTokenToUrl('https://dp.example/a.ipa?x=1', T))).toBe(T);
  });
});
