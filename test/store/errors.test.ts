/**
 * Keeps STORE_ERRORS, the StoreError class and the docs/store.md table in agreement: a code
 * added in one place and forgotten in another fails here.
 */
import { describe, expect, it } from 'vitest';
import { PortcullisError } from '../../src/errors/base.js';
import { STORE_ERRORS, StoreError, type StoreErrorCode } from '../../src/store/errors.js';
import { docErrorTable } from '../helpers/doc-table.js';

const docTable = () => docErrorTable('store.md');

describe('STORE_ERRORS', () => {
  it('matches the docs/store.md table row for row', () => {
    const doc = docTable();
    expect([...doc.keys()].sort()).toEqual(Object.keys(STORE_ERRORS).sort());
    for (const [code, info] of Object.entries(STORE_ERRORS)) expect(doc.get(code)).toEqual(info);
  });

  it('uses STORE_ codes with sentence messages and remedies', () => {
    for (const [code, info] of Object.entries(STORE_ERRORS)) {
      expect(code).toMatch(/^STORE_[A-Z_]+$/);
      expect(info.message).toMatch(/^[A-Z].*\.$/);
      expect(info.remedy).toMatch(/^[A-Z].*\.$/);
      expect([400, 409, 500, 503]).toContain(info.status);
    }
  });
});

describe('StoreError', () => {
  it('is a PortcullisError carrying code, status and the registry message by default', () => {
    const code: StoreErrorCode = 'STORE_CONFLICT';
    const err = new StoreError(code);
    expect(err).toBeInstanceOf(PortcullisError);
    expect(err).toMatchObject({ code, status: 409, message: STORE_ERRORS[code].message });
    expect(new StoreError(code, 'custom').message).toBe('custom');
  });
});
