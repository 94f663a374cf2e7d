/**
 * CSV export of audit events (RFC 4180: CRLF rows, fields quoted when they contain a comma,
 * quote or line break, quotes doubled). Text cells that a spreadsheet would run as a formula
 * (starting with = + - @, or tab/CR) get a leading single quote — paths and user agents are
 * attacker-controlled.
 */
import type { AuditEventRecord } from './types.js';

/** Column order of the export; the header row uses these names. */
export const AUDIT_CSV_COLUMNS = [
  'id',
  'time',
  'method',
  'path',
  'status',
  'outcome',
  'bytesSent',
  'clientAddress',
  'tokenFingerprint',
  'keyLabel',
  'kid',
  'configurationId',
  'durationMs',
  'userAgent',
  'via',
  'count',
  'aggregated',
  'lastTime',
  // Appended (not next to tokenFingerprint) so columns of existing exports keep their place.
  'clientCertSubject',
  'clientCertSerial',
  'clientCertIssuer',
] as const;

/** Quotes one cell per RFC 4180 and neutralises spreadsheet formulas in text cells. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Renders audit events as CSV in chunks of `rowsPerChunk` rows (the first chunk starts with the
 * header), yielding to the event loop between chunks, for a streamed response.
 * @example reply.type('text/csv').send(Readable.from(auditCsvChunks(page.items)))
 */
export async function* auditCsvChunks(
  items: readonly AuditEventRecord[],
  rowsPerChunk = 100,
): AsyncGenerator<string> {
  yield `${AUDIT_CSV_COLUMNS.join(',')}\r\n`;
  for (let i = 0; i < items.length; i += rowsPerChunk) {
    await new Promise((r) => setImmediate(r));
    yield items
      .slice(i, i + rowsPerChunk)
      .map((e) => `${csvRow(e)}\r\n`)
      .join('');
  }
}

function csvRow(e: AuditEventRecord): string {
  return AUDIT_CSV_COLUMNS.map((c) =>
    c === 'time' || c === 'lastTime'
      ? new Date(e[c]).toISOString()
      : (e as unknown as Record<string, unknown>)[c],
  )
    .map(csvCell)
    .join(',');
}

/**
 * Renders audit events as CSV with a header row; `time` and `lastTime` become ISO-8601.
 * An aggregated row (anonymous refusals) carries its request count in `count`.
 * @example reply.type('text/csv').send(auditToCsv(page.items))
 */
export function auditToCsv(items: readonly AuditEventRecord[]): string {
  const rows = [AUDIT_CSV_COLUMNS.join(','), ...items.map(csvRow)];
  return `${rows.join('\r\n')}\r\n`;
}
