/**
 * Cheap PDF facts: the page count from the page-tree root and the Info dictionary title, when
 * they sit uncompressed in the first or last MiB. No object streams are inflated; a PDF that
 * hides these in compressed streams simply gets no title/page count.
 */
import { Budget } from './budget.js';
import { type ReadSource, withByteSource } from './byte-source.js';

/** Metadata read from a PDF. */
export interface PdfMetadata {
  title?: string;
  pageCount?: number;
}

const WINDOW = 1024 * 1024;

/** Reads title and page count from the head and tail of a PDF (at most 2 MiB read). */
export function readPdfMetadata(
  source: ReadSource,
  budget: Budget = new Budget(),
): Promise<PdfMetadata> {
  return withByteSource(source, async (fh) => {
    const size = fh.size;
    budget.output(Math.min(size, 2 * WINDOW));
    const head = await fh.read(0, Math.min(WINDOW, size));
    const tailStart = Math.max(head.length, size - WINDOW);
    const tail = size > tailStart ? await fh.read(tailStart, size - tailStart) : new Uint8Array(0);
    return scanPdf(Buffer.concat([head, tail]).toString('latin1'), budget);
  });
}

/**
 * Scans PDF text (latin1) for the page-tree count and the Info title. Each candidate the
 * patterns consider costs steps in proportion to the window it may scan.
 */
export function scanPdf(text: string, budget: Budget = new Budget()): PdfMetadata {
  const meta: PdfMetadata = {};
  let pages = 0;
  // The root /Pages node carries the total; intermediate nodes carry subtotals, so take the max.
  const pagesRe = /\/Type\s*\/Pages\b([\s\S]{0,512}?)>>/g;
  for (const m of text.matchAll(pagesRe)) {
    budget.step(m[0].length);
    const count = /\/Count\s+(\d{1,7})\b/.exec(m[1] ?? '');
    if (count) pages = Math.max(pages, Number(count[1]));
  }
  const before = /\/Count\s+(\d{1,7})\b[^>]{0,512}?\/Type\s*\/Pages\b/g;
  budget.step(countScanCost(text));
  for (const m of text.matchAll(before)) pages = Math.max(pages, Number(m[1]));
  if (pages > 0) meta.pageCount = pages;
  const title = readTitle(text);
  if (title) meta.title = title;
  return meta;
}

/**
 * What the `/Count … /Type /Pages` pattern may scan: from each `/Count` up to the next `>` (its
 * `[^>]` stops there), at most 512 characters. Real dictionaries end within a few characters;
 * a crafted run of `/Count` without `>` costs 512 each and trips the step budget.
 */
function countScanCost(text: string): number {
  let cost = 0;
  let nextGt = -1;
  for (let i = text.indexOf('/Count'); i !== -1; i = text.indexOf('/Count', i + 6)) {
    // `>` positions only move forward with i, so this stays linear in the text length.
    if (nextGt !== Number.POSITIVE_INFINITY && nextGt < i) {
      const at = text.indexOf('>', i);
      nextGt = at === -1 ? Number.POSITIVE_INFINITY : at;
    }
    cost += Math.min(512, nextGt - i);
  }
  return cost;
}

function readTitle(text: string): string | undefined {
  const at = text.search(/\/Title\s*[(<]/);
  if (at === -1) return undefined;
  const start = text.indexOf('/Title', at) + 6;
  let i = start;
  while (/\s/.test(text[i] ?? '')) i++;
  if (text[i] === '<') {
    const end = text.indexOf('>', i);
    if (end === -1 || end - i > 2048) return undefined;
    return decodePdfBytes(Buffer.from(text.slice(i + 1, end).replace(/\s+/g, ''), 'hex'));
  }
  return decodePdfBytes(Buffer.from(readLiteral(text, i + 1), 'latin1'));
}

/** Reads a PDF literal string body (balanced parentheses, backslash escapes), capped at 1 KiB. */
function readLiteral(text: string, from: number): string {
  let out = '';
  let depth = 0;
  for (let i = from; i < text.length && out.length < 1024; i++) {
    const c = text[i] as string;
    if (c === '\\') {
      const n = text[++i] ?? '';
      const oct = /^[0-7]{1,3}/.exec(text.slice(i, i + 3));
      if (oct) {
        out += String.fromCharCode(Number.parseInt(oct[0], 8) & 0xff);
        i += oct[0].length - 1;
      } else
        out += ({ n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' } as Record<string, string>)[n] ?? n;
    } else if (c === '(') {
      depth++;
      out += c;
    } else if (c === ')') {
      if (depth === 0) break;
      depth--;
      out += c;
    } else out += c;
  }
  return out;
}

function decodePdfBytes(bytes: Buffer): string | undefined {
  let s: string;
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    // UTF-16BE with BOM: swap to little-endian (dropping an odd trailing byte) and decode.
    const body = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1)));
    s = body.swap16().toString('utf16le');
  } else {
    s = bytes.toString('latin1');
  }
  // Control characters in a title would garble one-line CLI and log output.
  s = Array.from(s, (ch) => ((ch.codePointAt(0) ?? 0) < 0x20 ? ' ' : ch))
    .join('')
    .trim();
  return s ? s.slice(0, 512) : undefined;
}
