/**
 * Decides, as pure data, how to answer GET/HEAD for one file: validators → 412 → 304 →
 * Range with If-Range (206 / 416) → HEAD. The server adapter only writes what this returns.
 */
import { type ConditionalHeaders, evaluateConditions, ifRangeAllows } from './conditional.js';
import { contentHeadersFor } from './content-type.js';
import { type FileIdentity, formatHttpDate, makeEtag } from './etag.js';
import { parseRange } from './range.js';

/**
 * Cache-Control for tokenised downloads. `no-store`: every URL carries a different short-lived
 * token, so no cache (shared or private) should keep a copy that outlives the token.
 * `no-transform` keeps intermediaries from recompressing signed archives. See docs/decisions.md.
 */
export const DOWNLOAD_CACHE_CONTROL = 'private, no-store, no-transform';

/**
 * Content-Security-Policy of every content response. Content is never a page of this origin:
 * `sandbox` (without allow-scripts) gives any document a browser does render an opaque origin
 * with no script, and `default-src 'none'` lets it load nothing, so a hostile upload opened
 * through its signed URL cannot run script or read the token. See docs/decisions.md.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox";

/** The request facts the planner needs. */
export interface FileRequest {
  method: 'GET' | 'HEAD';
  headers: ConditionalHeaders & { range?: string };
}

/** The file facts the planner needs. */
export interface FileFacts extends FileIdentity {
  /** File name (for the content type only). */
  name: string;
  /**
   * The entity-tag as the store made it (an object's quoted ETag in a bucket); when absent it is
   * derived from size, mtime and inode (`makeEtag`).
   */
  etag?: string;
}

/** Planner options. */
export interface PlanOptions {
  weakEtag?: boolean;
  cacheControl?: string;
  maxRangeSpecs?: number;
}

/** What to send. `body` is null for HEAD, 304 and errors; offsets are inclusive. */
export interface FilePlan {
  status: 200 | 206 | 304 | 412 | 416;
  outcome: 'OK' | 'NOT_MODIFIED' | 'PRECONDITION_FAILED' | 'RANGE_NOT_SATISFIABLE';
  headers: Record<string, string>;
  body: { start: number; end: number } | null;
}

/**
 * True when the request has none of the headers that can change a 200: no Range and no
 * precondition. Its answer is then the same for every request on an unchanged file.
 */
export function isPlainRequest(headers: FileRequest['headers']): boolean {
  return (
    headers.range === undefined &&
    headers['if-match'] === undefined &&
    headers['if-none-match'] === undefined &&
    headers['if-modified-since'] === undefined &&
    headers['if-unmodified-since'] === undefined &&
    headers['if-range'] === undefined
  );
}

/**
 * Plans the response for a verified request on an existing regular file.
 * @example planFileResponse({ method: 'GET', headers: { range: 'bytes=0-9' } }, facts).status // 206
 */
export function planFileResponse(
  req: FileRequest,
  file: FileFacts,
  opts: PlanOptions = {},
): FilePlan {
  const etag =
    file.etag === undefined
      ? makeEtag(file, opts.weakEtag)
      : `${opts.weakEtag ? 'W/' : ''}${file.etag}`;
  const validators = { etag, lastModifiedMs: file.mtimeMs };
  const base: Record<string, string> = {
    etag,
    'last-modified': formatHttpDate(file.mtimeMs),
    'cache-control': opts.cacheControl ?? DOWNLOAD_CACHE_CONTROL,
    'accept-ranges': 'bytes',
  };
  const condition = evaluateConditions(req.method, req.headers, validators);
  if (condition === 'precondition-failed') {
    return { status: 412, outcome: 'PRECONDITION_FAILED', headers: base, body: null };
  }
  if (condition === 'not-modified') {
    return { status: 304, outcome: 'NOT_MODIFIED', headers: base, body: null };
  }
  // Type (and, for active content, attachment) from the table: a browser never renders it here.
  const headers = { ...base, ...contentHeadersFor(file.name) };
  // RFC 9110 §14.2: Range is defined for GET only; HEAD gets the full 200 headers.
  const useRange = req.method === 'GET' && ifRangeAllows(req.headers['if-range'], validators);
  const range = useRange
    ? parseRange(req.headers.range, file.size, opts.maxRangeSpecs)
    : { kind: 'full' as const };
  if (range.kind === 'unsatisfiable') {
    return {
      status: 416,
      outcome: 'RANGE_NOT_SATISFIABLE',
      headers: { ...base, 'content-range': `bytes */${file.size}` },
      body: null,
    };
  }
  const wantBody = req.method === 'GET';
  if (range.kind === 'partial') {
    return {
      status: 206,
      outcome: 'OK',
      headers: {
        ...headers,
        'content-range': `bytes ${range.start}-${range.end}/${file.size}`,
        'content-length': String(range.end - range.start + 1),
      },
      body: { start: range.start, end: range.end },
    };
  }
  return {
    status: 200,
    outcome: 'OK',
    headers: { ...headers, 'content-length': String(file.size) },
    body: wantBody && file.size > 0 ? { start: 0, end: file.size - 1 } : null,
  };
}
