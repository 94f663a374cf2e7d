/**
 * What passes between a client and the origin after a token verified: the same header lists,
 * status mapping and active-content rule as the listener's proxy mode (server/proxy.ts;
 * test/edge/forward.test.ts keeps the lists equal), in web-standard terms for the Worker.
 */
import {
  ACTIVE_CONTENT_DISPOSITION,
  DEFAULT_CONTENT_TYPE,
  isActiveContentType,
} from '../../http/content-type.js';
import { CONTENT_SECURITY_POLICY, DOWNLOAD_CACHE_CONTROL } from '../../http/plan.js';
/** Request headers passed to the origin (Authorization, Cookie and the rest are dropped). */
import { stripTokenParams } from '../../token/request-token.js';
import type { EdgeServeCode } from './config.js';

export const FORWARDED_REQUEST_HEADERS = [
  'range',
  'if-range',
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'user-agent',
];
/** Response headers passed back to the client. */
export const FORWARDED_RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'content-range',
  'etag',
  'last-modified',
  'accept-ranges',
  'content-disposition',
];
const PASSED_STATUSES = new Set([200, 206, 304]);

/** The origin URL for checked path segments: `base` + encoded segments + query without token. */
export function originUrl(base: string, segments: string[], query: string): string {
  const url = new URL(base);
  const basePath = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  url.pathname = `${basePath}/${segments.map(encodeURIComponent).join('/')}`;
  const rest = stripTokenParams(query);
  url.search = rest === '' ? '' : `?${rest}`;
  return url.href;
}

/** The allow-listed request headers of `from`. */
export function forwardedRequestHeaders(from: Headers): Headers {
  const out = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const v = from.get(name);
    if (v !== null) out.set(name, v);
  }
  return out;
}

/** The serve code for an origin status the client must not see as is, or null to pass it. */
export function refusalForStatus(status: number): EdgeServeCode | null {
  if (PASSED_STATUSES.has(status)) return null;
  if (status === 404 || status === 410) return 'NOT_FOUND';
  if (status === 412) return 'PRECONDITION_FAILED';
  if (status === 416) return 'RANGE_NOT_SATISFIABLE';
  return 'UPSTREAM_ERROR';
}

/**
 * The client's response headers for a passed origin answer: the listener's common headers, its
 * download cache policy, the allow-listed origin headers, and active content as an attachment.
 */
export function responseHeaders(origin: Headers, status: number): Headers {
  const out = new Headers({
    'x-content-type-options': 'nosniff',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'cache-control': DOWNLOAD_CACHE_CONTROL,
  });
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const v = origin.get(name);
    if (v !== null) out.set(name, v);
  }
  if (status !== 304) {
    const type = out.get('content-type');
    if (type === null) out.set('content-type', DEFAULT_CONTENT_TYPE);
    else if (isActiveContentType(type)) out.set('content-disposition', ACTIVE_CONTENT_DISPOSITION);
  }
  return out;
}
