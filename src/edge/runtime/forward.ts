/**
 * What passes between a client and the origin after a token verified: the header lists and
 * passed statuses of http/forwarding.ts and the active-content rule of the listener's proxy mode
 * (server/proxy.ts), in web-standard terms for the Worker.
 */

import {
  ACTIVE_CONTENT_DISPOSITION,
  DEFAULT_CONTENT_TYPE,
  isActiveContentType,
} from '../../http/content-type.js';
import {
  FORWARDED_REQUEST_HEADERS,
  FORWARDED_RESPONSE_HEADERS,
  PASSED_STATUSES,
} from '../../http/forwarding.js';
import { CONTENT_SECURITY_POLICY, DOWNLOAD_CACHE_CONTROL } from '../../http/plan.js';
import { stripTokenParams } from '../../token/request-token.js';
import type { EdgeServeCode } from './config.js';

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
