/**
 * The parsing half of metadata extraction: pick the reader for the file's kind, run it under
 * one {@link Budget}, and clean (cap, make well-formed) the strings it returns. This is what runs inside the extraction
 * worker (extract-worker.ts); nothing here may run on a serving event loop.
 */
import { Budget, type BudgetLimits } from './budget.js';
import type { ReadSource } from './byte-source.js';
import { bookFormatOfPath, type ContentKind, kindOfPath } from './content-kind.js';
import { readEpubMetadata } from './epub.js';
import { readIpaMetadata } from './ipa.js';
import { readPdfMetadata } from './pdf.js';
import { readPkgMetadata } from './pkg.js';
import { sanitizeMetadata } from './sanitize-metadata.js';

export { sanitizeMetadata } from './sanitize-metadata.js';

/**
 * Reads the kind-specific metadata of `source`, classified by `name`, under one budget.
 * @throws CatalogError with the reader's code when the file is refused
 */
export async function extractKindMetadata(
  source: ReadSource,
  name: string,
  limits: BudgetLimits = {},
): Promise<Record<string, unknown>> {
  const budget = new Budget(limits);
  const raw = await readKindMetadata(source, name, kindOfPath(name), budget);
  return sanitizeMetadata(raw) as Record<string, unknown>;
}

async function readKindMetadata(
  source: ReadSource,
  name: string,
  kind: ContentKind,
  budget: Budget,
): Promise<object> {
  switch (kind) {
    case 'app':
      return readIpaMetadata(source, {}, budget);
    case 'package':
      return readPkgMetadata(source, {}, budget);
    case 'book':
      return bookFormatOfPath(name) === 'pdf'
        ? readPdfMetadata(source, budget)
        : readEpubMetadata(source, {}, budget);
    default:
      return {};
  }
}
