/** Small helpers shared by the SQLite and PostgreSQL repositories: patches, cursors, limits and times. */
import { StoreError } from './errors.js';

/** How one record field maps to a column, with an optional value converter. */
export type ColumnMap<R> = Partial<Record<keyof R, [column: string, toDb?: (v: never) => unknown]>>;

/** SQLite has no boolean: 1/0 in, true/false out. */
export const toBit = (v: boolean): number => (v ? 1 : 0);

/** JSON objects are stored as text. */
export const toJson = (v: unknown): string => JSON.stringify(v ?? {});

/**
 * Builds `SET a = ?, b = ?` for the fields of `patch` that `map` knows; unknown fields are
 * ignored, so column names always come from the map and never from input.
 */
export function buildSet<R>(
  map: ColumnMap<R>,
  patch: Partial<R>,
): { sql: string; values: unknown[] } {
  const parts: string[] = [];
  const values: unknown[] = [];
  for (const [field, value] of Object.entries(patch)) {
    const entry = map[field as keyof R];
    if (!entry || value === undefined) continue;
    const [column, toDb] = entry;
    parts.push(`${column} = ?`);
    values.push(toDb ? toDb(value as never) : value);
  }
  return { sql: parts.join(', '), values };
}

/** Default and maximum page sizes of every paged query. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** Validates a page size: default 100, clamped to 1000, refuses non-positive or non-integer. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new StoreError('STORE_INVALID_QUERY', 'The limit must be a positive integer.');
  }
  return Math.min(limit, MAX_LIMIT);
}

/** Opaque cursor for keyset paging on a numeric id (newest first: next page has smaller ids). */
export function encodeCursor(id: number): string {
  return Buffer.from(`id:${id}`, 'utf8').toString('base64url');
}

/** Reverses `encodeCursor`; anything else is refused with STORE_INVALID_QUERY. */
export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const text = /^[A-Za-z0-9_-]{1,40}$/.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('utf8')
    : '';
  const m = /^id:(\d{1,15})$/.exec(text);
  if (!m) throw new StoreError('STORE_INVALID_QUERY', 'The cursor is not one this API returned.');
  return Number(m[1]);
}

/** Accepts epoch milliseconds (number or digit string) or an ISO-8601 string. */
export function toEpochMs(value: string | number, name: string): number {
  const ms =
    typeof value === 'number'
      ? value
      : /^\d{1,16}$/.test(value)
        ? Number(value)
        : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new StoreError(
      'STORE_INVALID_QUERY',
      `The ${name} time must be ISO-8601 or epoch milliseconds.`,
    );
  }
  return ms;
}

/** Turns a page of rows (fetched with limit + 1) into items and the next cursor. */
export function toPage<T>(
  rows: T[],
  limit: number,
  idOf: (row: T) => number,
): { items: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeCursor(idOf(items[items.length - 1]!)) };
}

/** Collects `AND`-joined conditions with their bound values. */
export class Where {
  private readonly parts: string[] = [];
  readonly values: unknown[] = [];

  /** Adds one condition; `?` placeholders bind `values` in order. */
  add(condition: string, ...values: unknown[]): this {
    this.parts.push(condition);
    this.values.push(...values);
    return this;
  }

  /** `WHERE …` or the empty string. */
  toString(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}
