/**
 * Where a request's token comes from and how it leaves a URL (src/token/request-token.ts, the
 * one copy of these rules). The fast split used for plain queries must agree with
 * URLSearchParams on every query; ambiguity (two tokens) is refused, never resolved; and what
 * extraction calls a token parameter is exactly what stripping removes.
 */
import { describe, expect, it } from 'vitest';
import { TokenError } from '../../src/token/errors.js';
import {
  bearerToken,
  queryTokens,
  requestToken,
  stripTokenParams,
} from '../../src/token/request-token.js';

const T = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJBcHBNYW5pZmVzdCJ9.c2ln';

function viaUrlSearchParams(query: string): string | null | 'MALFORMED' {
  const values = new URL(`http://x/a?${query}`).searchParams.getAll('token');
  if (values.length > 1) return 'MALFORMED';
  return values.length === 1 && values[0] !== '' ? values[0]! : null;
}

function extracted(query: string): string | null | 'MALFORMED' {
  const r = requestToken(query, undefined, true);
  return r instanceof TokenError ? 'MALFORMED' : r;
}

const queries = [
  `token=${T}`,
  `a=1&token=${T}&b=2`,
  `token=${T}&token=${T}`,
  `token=&token=${T}`,
  'token=',
  'token',
  'tokens=x',
  'xtoken=y',
  `token=${T}=`,
  `token=${encodeURIComponent(T)}%2B`,
  'token=a+b',
  '&&token=abc&&',
  `a=b&${'c=d&'.repeat(50)}token=${T}`,
  `to%6Ben=${T}`,
  `token=${T}&%74oken=other`,
  `?token=${T}`,
  `?%74oken=${T}`,
  `tok+en=${T}`,
  `token%3D${T}`,
];

describe('requestToken', () => {
  it.each(queries)('agrees with a URL parser on %s', (query) => {
    expect(extracted(query)).toBe(viaUrlSearchParams(query));
  });

  it('reads a percent-encoded parameter name as the token, as upstreams and front servers do', () => {
    expect(extracted(`to%6Ben=${T}`)).toBe(T);
    expect(extracted(`token=${T}&%74oken=${T}`)).toBe('MALFORMED');
  });

  it('reads a Bearer token and refuses one in both places', () => {
    expect(requestToken('', `Bearer ${T}`, true)).toBe(T);
    expect(requestToken('', `bearer   ${T} `, true)).toBe(T);
    expect(requestToken('', `Bearer ${T}`, false)).toBeNull();
    const both = requestToken(`token=${T}`, `Bearer ${T}`, true);
    expect(both).toBeInstanceOf(TokenError);
    expect((both as TokenError).code).toBe('TOKEN_MALFORMED');
  });

  it('reads no token from other schemes or a Bearer header with trailing parameters', () => {
    expect(bearerToken(`Basic ${T}`)).toBeNull();
    expect(bearerToken(`Bearer ${T}, Basic x`)).toBeNull();
    expect(bearerToken(`Bearer ${T} x`)).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});

describe('stripTokenParams', () => {
  it.each([
    ['token=abc', ''],
    ['a=1&token=abc&b=2', 'a=1&b=2'],
    ['%74oken=abc&b=%20', 'b=%20'],
    ['tok%65n=abc&to%6Ben&c=1', 'c=1'],
    ['tokens=1&mytoken=2', 'tokens=1&mytoken=2'],
    ['?token=x&a=1', '?token=x&a=1'],
    ['a=%ZZ&token=x', 'a=%ZZ'],
    ['', ''],
  ])('%s → %s', (q, expected) => {
    expect(stripTokenParams(q)).toBe(expected);
  });

  it.each(queries)('leaves no token parameter a URL parser would find in %s', (query) => {
    expect(queryTokens(stripTokenParams(query))).toEqual([]);
    expect(new URL(`http://x/a?${stripTokenParams(query)}`).searchParams.has('token')).toBe(false);
  });
});
