/**
 * Reads an error table (`| `CODE` | status | message | remedy |`) out of a guide in docs/, so each
 * area's test can keep its registry and its guide in step. Cells may be padded.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** One documented error row. */
export interface DocErrorRow {
  status: number;
  message: string;
  remedy: string;
}

const ROW = /^\| `([A-Z][A-Z0-9_]*)` +\| (\d{3}) +\| (.*?) *\| (.*?) *\|$/;

/** Rows of `docs/<file>` keyed by code; `prefix` keeps only codes that start with it. */
export function docErrorTable(file: string, prefix = ''): Map<string, DocErrorRow> {
  const text = readFileSync(resolve(import.meta.dirname, '../../docs', file), 'utf8');
  const rows = new Map<string, DocErrorRow>();
  for (const line of text.split('\n')) {
    const m = ROW.exec(line);
    if (m?.[1]?.startsWith(prefix)) {
      rows.set(m[1], { status: Number(m[2]), message: m[3]!, remedy: m[4]! });
    }
  }
  return rows;
}
