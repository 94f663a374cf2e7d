/**
 * The parsing half of metadata extraction: pick the reader for the file's kind, run it under
 * one {@link Budget}, and clean the strings it returns. This is what runs inside the extraction
 * worker (extract-worker.ts); nothing here may run on a serving event loop.
 */
import { Budget, type BudgetLimits } from './budget.js';
import { bookFormatOfPath, type ContentKind, kindOfPath } from './content-kind.js';
import { readEpubMetadata } from './epub.js';
import { readIpaMetadata } from './ipa.js';
import { readPdfMetadata } from './pdf.js';
import { readPkgMetadata } from './pkg.js';

/**
 * Reads the kind-specific metadata of `filePath`, classified by `name`, under one budget.
 * @throws CatalogError with the reader's code when the file is refused
 */
export async function extractKindMetadata(
  filePath: string,
  name: string,
  limits: BudgetLimits = {},
): Promise<Record<string, unknown>> {
  const budget = new Budget(limits);
  const raw = await readKindMetadata(filePath, name, kindOfPath(name), budget);
  return sanitizeMetadata(raw) as Record<string, unknown>;
}

async function readKindMetadata(
  filePath: string,
  name: string,
  kind: ContentKind,
  budget: Budget,
): Promise<object> {
  switch (kind) {
    case 'app':
      return readIpaMetadata(filePath, {}, budget);
    case 'package':
      return readPkgMetadata(filePath, {}, budget);
    case 'book':
      return bookFormatOfPath(name) === 'pdf'
        ? readPdfMetadata(filePath, budget)
        : readEpubMetadata(filePath, {}, budget);
    default:
      return {};
  }
}

/**
 * Strips control characters (C0, DEL, C1) from every string a reader returned: titles and ids
 * come from untrusted files and end up in terminals, logs and the console.
 */
export function sanitizeMetadata(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return stripControls(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => sanitizeMetadata(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '__proto__') continue; // would set the prototype instead of a key
    out[stripControls(k)] = sanitizeMetadata(v, depth + 1);
  }
  return out;
}

function stripControls(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    out += c < 0x20 || (c >= 0x7f && c <= 0x9f) ? ' ' : ch;
  }
  return out;
}
