/**
 * Serving from an R2 bucket binding instead of an origin URL: the object key is the checked,
 * decoded path; Range and the conditional headers go to R2 (`range`, `onlyIf`), which answers
 * them the way the listener's planner does (206, 304 for GET revalidation, 412 otherwise).
 * The R2 types are declared here (only what is used) rather than pulling in workers-types.
 */
import type { EdgeServeCode } from './config.js';
import { responseHeaders } from './forward.js';

/** The part of an R2 object this file reads. */
interface R2ObjectLike {
  size: number;
  httpEtag: string;
  range?: { offset?: number; length?: number; suffix?: number };
  writeHttpMetadata(headers: Headers): void;
  uploaded: Date;
}
/** An R2 object with its body. */
interface R2ObjectBodyLike extends R2ObjectLike {
  body: ReadableStream;
}
/** The part of an R2 bucket binding this file calls. */
export interface R2BucketLike {
  get(
    key: string,
    options: { range?: Headers; onlyIf?: Headers },
  ): Promise<R2ObjectLike | R2ObjectBodyLike | null>;
  head(key: string): Promise<R2ObjectLike | null>;
}

/** True when `value` looks like an R2 bucket binding. */
export function isR2Bucket(value: unknown): value is R2BucketLike {
  const v = value as Partial<R2BucketLike> | null;
  return typeof v?.get === 'function' && typeof v.head === 'function';
}

/** Answers a verified GET/HEAD from R2, or names the refusal. */
export async function serveFromR2(
  bucket: R2BucketLike,
  segments: string[],
  request: Request,
): Promise<Response | { code: EdgeServeCode; extra?: Record<string, string> }> {
  const key = segments.join('/');
  const range = request.headers.has('range') ? request.headers : undefined;
  let object: R2ObjectLike | R2ObjectBodyLike | null;
  try {
    object = await bucket.get(key, { onlyIf: request.headers, ...(range ? { range } : {}) });
  } catch {
    // R2 refuses a range outside the object; the listener answers 416 with the length.
    const head = range ? await bucket.head(key).catch(() => null) : null;
    if (head === null) return { code: range ? 'NOT_FOUND' : 'UPSTREAM_ERROR' };
    return { code: 'RANGE_NOT_SATISFIABLE', extra: { 'content-range': `bytes */${head.size}` } };
  }
  if (object === null) return { code: 'NOT_FOUND' };
  const meta = new Headers();
  object.writeHttpMetadata(meta);
  meta.set('etag', object.httpEtag);
  meta.set('last-modified', object.uploaded.toUTCString());
  meta.set('accept-ranges', 'bytes');
  if (!('body' in object)) {
    const revalidation =
      request.headers.has('if-none-match') || request.headers.has('if-modified-since');
    if (!revalidation) return { code: 'PRECONDITION_FAILED' };
    return new Response(null, { status: 304, headers: responseHeaders(meta, 304) });
  }
  const part = partOf(object, range !== undefined);
  const status = part ? 206 : 200;
  meta.set('content-length', String(part ? part.length : object.size));
  if (part) meta.set('content-range', `bytes ${part.start}-${part.end}/${object.size}`);
  const body = request.method === 'HEAD' ? null : object.body;
  if (body === null) await object.body.cancel();
  return new Response(body, { status, headers: responseHeaders(meta, status) });
}

function partOf(
  object: R2ObjectLike,
  ranged: boolean,
): { start: number; end: number; length: number } | null {
  const r = object.range;
  if (!ranged || r === undefined) return null;
  let start: number;
  let length: number;
  if (r.suffix !== undefined) {
    length = Math.min(r.suffix, object.size);
    start = object.size - length;
  } else {
    start = r.offset ?? 0;
    length = r.length ?? object.size - start;
  }
  if (start === 0 && length === object.size) return null;
  return { start, end: start + length - 1, length };
}
