/**
 * What may pass between a client and an upstream once a token verified, as data shared by the
 * listener's proxy mode (server/proxy.ts) and the edge bundles (edge/runtime/forward.ts), so a
 * deployment moved from `serve --proxy` to a CDN forwards exactly the same headers.
 */

/** Request headers passed to the upstream (everything else, incl. Authorization and Cookie, is dropped). */
export const FORWARDED_REQUEST_HEADERS: readonly string[] = [
  'range',
  'if-range',
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'user-agent',
];

/** Response headers passed back (hop-by-hop and upstream identity headers are dropped). */
export const FORWARDED_RESPONSE_HEADERS: readonly string[] = [
  'content-type',
  'content-length',
  'content-range',
  'etag',
  'last-modified',
  'accept-ranges',
  'content-disposition',
];

/** Upstream statuses passed through; anything else becomes the listener's 502. */
export const PASSED_STATUSES: ReadonlySet<number> = new Set([200, 206, 304]);
