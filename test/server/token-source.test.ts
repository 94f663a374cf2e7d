/**
 * Where a request's token comes from. The fast split used for plain queries must agree with
 * URLSearchParams on every query, and ambiguity (two tokens) is refused, never resolved.
 */
import { describe, expect, it } from 'vitest';
import { extractRequestToken } from '../../src/server/token-source.js';
import { TokenError } from '../../src/token/errors.js';

const T = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJBcHBNYW5pZmVzdCJ9.c2ln';

function viaUrlSearchParams(query: string): string | null | 'MALFORMED' {
  const values = new URLSearchParams(query).getAll('token');
  if (values.length > 1) return 'MALFORMED';
  return values.length === 1 && values[0] !== '' ? values[0]! : null;
}

function extracted(query: string): string | null | 'MALFORMED' {
  const r = extractRequestToken(query, undefined, true);
  return r instanceof TokenError ? 'MALFORMED' : r;
}

describe('extractRequestToken', () => {
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
  ];
  it.each(queries)('agrees with URLSearchParams on %s', (query) => {
    expect(extracted(query)).toBe(viaUrlSearchParams(query));
  });

  it('does not recognise a percent-encoded parameter name (the download is refused as TOKEN_MISSING)', () => {
    expect(extracted(`to%6Ben=${T}`)).toBeNull();
  });

  it('reads a Bearer token and refuses one in both places', () => {
    expect(extractRequestToken('', `Bearer ${T}`, true)).toBe(T);
    expect(extractRequestToken('', `Bearer ${T}`, false)).toBeNull();
    const both = extractRequestToken(`token=${T}`, `Bearer ${T}`, true);
    expect(both).toBeInstanceOf(TokenError);
    expect((both as TokenError).code).toBe('TOKEN_MALFORMED');
  });
});
