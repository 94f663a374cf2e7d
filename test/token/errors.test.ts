/**
 * Keeps the error registry, the TokenErrorCode type and the docs/tokens.md table in agreement
 * (the fastify habit): a code added in one place and forgotten in another fails here.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { PortcullisError } from '../../src/errors/base.js';
import { TOKEN_ERRORS, TokenError, type TokenErrorCode } from '../../src/token/errors.js';
import { docErrorTable } from '../helpers/doc-table.js';

const docTable = () => docErrorTable('tokens.md');

describe('TOKEN_ERRORS', () => {
  it('matches the docs/tokens.md table row for row', () => {
    const doc = docTable();
    expect([...doc.keys()].sort()).toEqual(Object.keys(TOKEN_ERRORS).sort());
    for (const [code, info] of Object.entries(TOKEN_ERRORS)) expect(doc.get(code)).toEqual(info);
  });

  it('has the codes of the TokenErrorCode type, all 401, with message and remedy', () => {
    expectTypeOf<keyof typeof TOKEN_ERRORS>().toEqualTypeOf<TokenErrorCode>();
    for (const info of Object.values(TOKEN_ERRORS)) {
      expect(info.status).toBe(401);
      expect(info.message.length).toBeGreaterThan(10);
      expect(info.remedy.length).toBeGreaterThan(10);
    }
  });

  it('TokenError carries code, status, default message and is a PortcullisError', () => {
    const err = new TokenError('TOKEN_EXPIRED', undefined, { claim: 'exp' });
    expect(err).toBeInstanceOf(PortcullisError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      code: 'TOKEN_EXPIRED',
      status: 401,
      claim: 'exp',
      name: 'TokenError',
    });
    expect(err.message).toBe(TOKEN_ERRORS.TOKEN_EXPIRED.message);
  });

  it('PortcullisError keeps code, status and cause', () => {
    const cause = new Error('inner');
    const err = new PortcullisError(
      'X_Y',
      { status: 503, message: 'Title.', remedy: 'Retry.', area: 'test' },
      'msg',
      { cause },
    );
    expect(err).toMatchObject({
      code: 'X_Y',
      status: 503,
      message: 'msg',
      cause,
      name: 'PortcullisError',
    });
  });
});
