/**
 * docs/errors.md is the one table of codes users and reviewers read: it must be exactly what
 * the registries say, and one code must never mean two HTTP statuses.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { conflictingCodes, ERROR_AREAS, renderErrorsMarkdown } from '../../src/errors-table.js';

describe('error code table', () => {
  it('docs/errors.md matches the registries (run `npm run docs:errors` after changing one)', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    expect(doc).toBe(renderErrorsMarkdown());
  });

  it('gives each code one HTTP status across areas', () => {
    expect(conflictingCodes()).toEqual([]);
  });

  it('uses UPPER_SNAKE codes with a message and a remedy', () => {
    for (const area of ERROR_AREAS) {
      for (const [code, entry] of Object.entries(area.codes)) {
        expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
        expect(entry.message.length, code).toBeGreaterThan(5);
        expect(entry.remedy.length, code).toBeGreaterThan(5);
        expect(entry.status, code).toBeGreaterThanOrEqual(400);
      }
    }
  });

  it('detects a code that means two statuses', () => {
    const a = {
      title: 'A',
      where: 'a',
      codes: { SAME: { status: 400, message: 'x', remedy: 'y' } },
    };
    const b = {
      title: 'B',
      where: 'b',
      codes: { SAME: { status: 404, message: 'x', remedy: 'y' } },
    };
    expect(conflictingCodes([a, b])).toEqual(['SAME']);
  });
});
