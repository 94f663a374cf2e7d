/** CATALOG_ERRORS, the docs table in docs/catalog.md and CatalogError agree. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG_ERRORS, CatalogError } from '../../src/catalog/errors.js';

const docs = readFileSync(resolve(import.meta.dirname, '../../docs/catalog.md'), 'utf8');

describe('CATALOG_ERRORS', () => {
  it('documents every code with its status', () => {
    for (const [code, spec] of Object.entries(CATALOG_ERRORS)) {
      expect(docs, code).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${spec.status}\\s*\\|`));
    }
  });

  it('has no documented code missing from the registry', () => {
    const documented = [...docs.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*\d{3}\s*\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(CATALOG_ERRORS).sort());
  });

  it('builds errors with the registry status and a message free of paths', () => {
    for (const code of Object.keys(CATALOG_ERRORS) as Array<keyof typeof CATALOG_ERRORS>) {
      const err = new CatalogError(code);
      expect(err.status).toBe(CATALOG_ERRORS[code].status);
      expect(err.code).toBe(code);
      expect(err.message).not.toMatch(/\/(tmp|home|var|srv|etc)\//);
    }
  });
});
