/**
 * Keeps KEY_ERRORS, the KeyError class and the docs/keys.md table in agreement (the fastify
 * habit): a code added in one place and forgotten in another fails here.
 */
import { describe, expect, it } from 'vitest';
import { PortcullisError } from '../../src/errors/base.js';
import { KEY_ERRORS, KeyError, type KeyErrorCode } from '../../src/keys/index.js';
import { docErrorTable } from '../helpers/doc-table.js';

const docTable = () => docErrorTable('keys.md');

describe('KEY_ERRORS', () => {
  it('matches the docs/keys.md table row for row', () => {
    const doc = docTable();
    expect([...doc.keys()].sort()).toEqual(Object.keys(KEY_ERRORS).sort());
    for (const [code, info] of Object.entries(KEY_ERRORS)) expect(doc.get(code)).toEqual(info);
  });

  it('uses 400 for input problems and 409 only for an existing output file', () => {
    for (const [code, info] of Object.entries(KEY_ERRORS)) {
      expect(info.status).toBe(code === 'KEY_FILE_EXISTS' ? 409 : 400);
      expect(info.message).toMatch(/^[A-Z].*\.$/);
      expect(info.remedy).toMatch(/^[A-Z].*\.$/);
    }
  });

  it('does not reuse a code of the token registry', async () => {
    const { TOKEN_ERRORS } = await import('../../src/token/errors.js');
    for (const code of Object.keys(KEY_ERRORS)) expect(TOKEN_ERRORS).not.toHaveProperty(code);
  });
});

describe('KeyError', () => {
  it('is a PortcullisError with code, status, remedy and a message ending in the remedy', () => {
    const err = new KeyError('KEY_TOO_SMALL', 'RSA 1024-bit key');
    expect(err).toBeInstanceOf(PortcullisError);
    expect(err).toMatchObject({ code: 'KEY_TOO_SMALL', status: 400, name: 'KeyError' });
    expect(err.message).toBe(
      `RSA 1024-bit key: ${KEY_ERRORS.KEY_TOO_SMALL.message} ${KEY_ERRORS.KEY_TOO_SMALL.remedy}`,
    );
    expect(err.remedy).toBe(KEY_ERRORS.KEY_TOO_SMALL.remedy);
  });

  it('withPrefix puts a file name in front and keeps code and cause', () => {
    const cause = new Error('inner');
    const err = new KeyError('KEY_UNREADABLE', 'PEM "PRIVATE KEY"', { cause }).withPrefix(
      'key.pem',
    );
    expect(err.message.startsWith('key.pem: PEM "PRIVATE KEY": ')).toBe(true);
    expect(err).toMatchObject({ code: 'KEY_UNREADABLE', cause });
    const code: KeyErrorCode = err.keyCode;
    expect(code).toBe('KEY_UNREADABLE');
  });
});
