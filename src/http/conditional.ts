/**
 * Conditional requests (RFC 9110 §13.2.2) as pure data: the evaluation order is
 * If-Match → If-Unmodified-Since → If-None-Match → If-Modified-Since, and If-Range decides
 * whether a Range header applies. If-None-Match beats If-Modified-Since.
 */

/** The current representation's validators. */
export interface Validators {
  /** Full entity-tag as sent in `ETag`, e.g. `"1a-5f"` or `W/"1a-5f"`. */
  etag: string;
  /** Last modification time in milliseconds since the epoch. */
  lastModifiedMs: number;
}

/** Conditional request headers (lower-case names as Node gives them). */
export interface ConditionalHeaders {
  'if-match'?: string;
  'if-none-match'?: string;
  'if-modified-since'?: string;
  'if-unmodified-since'?: string;
  'if-range'?: string;
}

/** What the preconditions say to do. */
export type ConditionalOutcome = 'proceed' | 'not-modified' | 'precondition-failed';

interface EntityTag {
  weak: boolean;
  opaque: string;
}

const TAG = /^\s*(W\/)?"([^"]*)"\s*/;

/** Parses `"a", W/"b"` into tags; returns null when the list is malformed (the header is then ignored). */
export function parseEntityTagList(value: string): EntityTag[] | null {
  const tags: EntityTag[] = [];
  let rest = value;
  while (rest.trim() !== '') {
    const m = TAG.exec(rest);
    if (!m) return null;
    tags.push({ weak: m[1] !== undefined, opaque: m[2] ?? '' });
    rest = rest.slice(m[0].length);
    if (rest.startsWith(',')) rest = rest.slice(1);
    else if (rest.trim() !== '') return null;
  }
  return tags;
}

function parseTag(value: string): EntityTag | null {
  const list = parseEntityTagList(value);
  return list && list.length === 1 ? list[0]! : null;
}

function strongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

function weakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}

/** Parses an HTTP-date to whole seconds, or null if invalid. */
export function parseHttpDate(value: string | undefined): number | null {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

function anyTagMatches(header: string, current: EntityTag, strong: boolean): boolean | null {
  if (header.trim() === '*') return true;
  const list = parseEntityTagList(header);
  if (list === null) return null;
  return list.some((t) => (strong ? strongMatch(t, current) : weakMatch(t, current)));
}

/**
 * Evaluates preconditions for GET/HEAD on an existing representation.
 * @example evaluateConditions('GET', { 'if-none-match': '"x"' }, { etag: '"x"', lastModifiedMs: 0 }) // 'not-modified'
 */
export function evaluateConditions(
  method: string,
  headers: ConditionalHeaders,
  validators: Validators,
): ConditionalOutcome {
  const current = parseTag(validators.etag) ?? { weak: true, opaque: '' };
  const modifiedSec = Math.floor(validators.lastModifiedMs / 1000);
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (anyTagMatches(ifMatch, current, true) === false) return 'precondition-failed';
  } else {
    const since = parseHttpDate(headers['if-unmodified-since']);
    if (since !== null && modifiedSec > since) return 'precondition-failed';
  }
  const ifNoneMatch = headers['if-none-match'];
  const safe = method === 'GET' || method === 'HEAD';
  if (ifNoneMatch !== undefined) {
    if (anyTagMatches(ifNoneMatch, current, false) === true) {
      return safe ? 'not-modified' : 'precondition-failed';
    }
    return 'proceed';
  }
  if (safe) {
    const since = parseHttpDate(headers['if-modified-since']);
    if (since !== null && modifiedSec <= since) return 'not-modified';
  }
  return 'proceed';
}

/**
 * True when a Range header may be honoured: no If-Range, or If-Range names the current
 * representation (strong entity-tag match, or exactly the Last-Modified date).
 */
export function ifRangeAllows(ifRange: string | undefined, validators: Validators): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    const tag = parseTag(value);
    const current = parseTag(validators.etag);
    return tag !== null && current !== null && strongMatch(tag, current);
  }
  const date = parseHttpDate(value);
  return date !== null && date === Math.floor(validators.lastModifiedMs / 1000);
}
