/**
 * Every reader charges the one per-file budget: with a tiny output or step budget each refuses
 * with METADATA_BUDGET_EXCEEDED, and with the default budget each reads real files as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Budget, type BudgetLimits } from '../../src/catalog/budget.js';
import { readEpubMetadata } from '../../src/catalog/epub.js';
import { CatalogError } from '../../src/catalog/errors.js';
import { readIpaMetadata } from '../../src/catalog/ipa.js';
import { readPdfMetadata } from '../../src/catalog/pdf.js';
import { readPkgMetadata } from '../../src/catalog/pkg.js';
import { type Fixtures, makeFixtures } from './fixtures.js';

let fx: Fixtures;
beforeAll(() => {
  fx = makeFixtures({ basic: true });
}, 120_000);
afterAll(() => fx?.cleanup());

const readers: [string, (file: string, budget: Budget) => Promise<object>][] = [
  ['app-binary.ipa', (f, b) => readIpaMetadata(f, {}, b)],
  ['app-xml.ipa', (f, b) => readIpaMetadata(f, {}, b)],
  ['product.pkg', (f, b) => readPkgMetadata(f, {}, b)],
  ['book.epub', (f, b) => readEpubMetadata(f, {}, b)],
  ['guide.pdf', (f, b) => readPdfMetadata(f, b)],
];

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CatalogError) return err.code;
    throw err;
  }
  return undefined;
}

describe('Budget', () => {
  it.each(readers)('%s: refused past a tiny output or step budget', async (name, read) => {
    for (const limits of [{ maxOutputBytes: 64 }, { maxSteps: 2 }] satisfies BudgetLimits[]) {
      expect(await codeOf(read(fx.path(name), new Budget(limits))), JSON.stringify(limits)).toBe(
        'METADATA_BUDGET_EXCEEDED',
      );
    }
  });

  it.each(readers)(
    '%s: read within the default budget, which records what it cost',
    async (name, read) => {
      const budget = new Budget();
      await read(fx.path(name), budget);
      expect(budget.outputBytes).toBeGreaterThan(0);
      expect(budget.steps).toBeGreaterThan(0);
      expect(budget.outputBytes).toBeLessThan(budget.maxOutputBytes);
    },
  );
});
