/**
 * The admin error registry, the docs table and the problem bodies agree: every code is
 * documented with its status, and problem bodies built from the registry carry its title.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADMIN_ERRORS, AdminError } from '../../src/admin/errors.js';
import { classifyError, problemBody } from '../../src/admin/problem.js';

const docs = readFileSync(resolve(import.meta.dirname, '../../docs/admin-api.md'), 'utf8');

describe('ADMIN_ERRORS', () => {
  it('documents every code with its status in docs/admin-api.md', () => {
    for (const [code, spec] of Object.entries(ADMIN_ERRORS)) {
      expect(docs, code).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${spec.status}\\s*\\|`));
    }
  });

  it('has no documented code missing from the registry', () => {
    const documented = [...docs.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*\d{3}\s*\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ADMIN_ERRORS).sort());
  });

  it('maps AdminError and unknown errors to problem bodies without leaking internals', () => {
    expect(classifyError(new AdminError('FORBIDDEN'))).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
    const internal = classifyError(new Error('/etc/secret/path exploded'));
    expect(internal).toEqual({
      status: 500,
      code: 'INTERNAL_ERROR',
      title: ADMIN_ERRORS.INTERNAL_ERROR.message,
      detail: ADMIN_ERRORS.INTERNAL_ERROR.message,
    });
    const body = problemBody(404, 'NOT_FOUND', 'x', '/a');
    expect(body).toEqual({
      type: 'urn:portcullis:problem:not-found',
      title: ADMIN_ERRORS.NOT_FOUND.message,
      status: 404,
      detail: 'x',
      code: 'NOT_FOUND',
      instance: '/a',
    });
  });
});
