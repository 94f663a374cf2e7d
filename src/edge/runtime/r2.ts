/**
 * Serving from an R2 bucket binding instead of an origin URL. The object key is the checked,
 * decoded path; the answer is planned by the listener's own planner (http/plan.ts) from the
 * object's size, upload time and version, so Range, If-Range, 304 and 412 behave exactly as
 * they do for a file on the listener's disk. R2 types are declared here (only what is used)
 * rather than pulling in workers-types.
 */
import type { ConditionalHeaders } from '../../http/conditional.js';
import { planFileResponse } from '../../http/plan.js';
import type { EdgeServeCode } from './config.js';
import { responseHeaders } from './forward.js';

/** The part of an R2 object this file reads. */
interface R2ObjectLike {
  size: number;
  version: string;
  uploaded: Date;
  etag: string;
}
/** An R2 object with its body. */
interface R2ObjectBodyLike extends R2ObjectLike {
  body: ReadableStream;
}
/** The part of an R2 bucket binding this file calls. */
export interface R2BucketLike {
  get(
    key: string,
    options: { range?: { offset: number; length: number }; onlyIf?: { etagMatches: string } },
  ): Promise<R2ObjectLike | R2ObjectBodyLike | null>;
  head(key: string): Promise<R2ObjectLike | null>;
}

/** True when `value` looks like an R2 bucket binding. */
export function isR2Bucket(value: unknown): value is R2BucketLike {
  const v = value as Partial<R2BucketLike> | null;
  return typeof v?.get === 'function' && typeof v.head === 'function';
}

/** Refusal from {@link serveFromR2}. */
export interface R2Refusal {
  code: EdgeServeCode;
  extra?: Record<string, string>;
}

const CONDITIONAL = [
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
] as const;

/** Answers a verified GET/HEAD from R2, or names the refusal. */
export async function serveFromR2(
  bucket: R2BucketLike,
  segments: string[],
  request: Request,
): Promise<Response | R2Refusal> {
  const key = segments.join('/');
  let head: R2ObjectLike | null;
  try {
    head = await bucket.head(key);
  } catch {
    return { code: 'UPSTREAM_ERROR' };
  }
  if (head === null) return { code: 'NOT_FOUND' };
  const headers: ConditionalHeaders & { range?: string } = {};
  for (const name of CONDITIONAL) {
    const v = request.headers.get(name);
    if (v !== null) headers[name] = v;
  }
  const range = request.headers.get('range');
  if (range !== null) headers.range = range;
  const plan = planFileResponse(
    { method: request.method === 'HEAD' ? 'HEAD' : 'GET', headers },
    {
      name: segments.at(-1) ?? '',
      size: head.size,
      mtimeMs: head.uploaded.getTime(),
      ino: versionNumber(head.version),
    },
  );
  if (plan.status === 412) return { code: 'PRECONDITION_FAILED' };
  if (plan.status === 416) {
    return {
      code: 'RANGE_NOT_SATISFIABLE',
      extra: { 'content-range': plan.headers['content-range']! },
    };
  }
  const out = responseHeaders(new Headers(plan.headers), plan.status);
  if (plan.body === null) return new Response(null, { status: plan.status, headers: out });
  const { start, end } = plan.body;
  let object: R2ObjectLike | R2ObjectBodyLike | null;
  try {
    // Only the version planned for: a replacement in between is an error, never mixed bytes.
    object = await bucket.get(key, {
      range: { offset: start, length: end - start + 1 },
      onlyIf: { etagMatches: head.etag },
    });
  } catch {
    return { code: 'UPSTREAM_ERROR' };
  }
  if (object === null || !('body' in object)) return { code: 'UPSTREAM_ERROR' };
  return new Response(object.body, { status: plan.status, headers: out });
}

/** A 32-bit number from the object's version (FNV-1a), standing in for the inode in the ETag. */
function versionNumber(version: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < version.length; i++) {
    hash ^= version.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
