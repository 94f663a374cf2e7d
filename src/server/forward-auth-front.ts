/**
 * Which headers name the original request in a forward-auth call, per front server, as data.
 * A front server sets (and overwrites) exactly two of the four headers any front might use; the
 * other two can only have come from the client (or from a different front than the one
 * configured), so their presence refuses the request instead of being ignored or preferred.
 * Pure: it reads header values, never the socket.
 */

/** Front servers whose forward-auth calls Portcullis answers, and `off` (no forward-auth). */
export const AUTH_FRONTS = ['nginx', 'caddy', 'traefik', 'off'] as const;

/** The `authFront` setting. */
export type AuthFront = (typeof AUTH_FRONTS)[number];

/** The two headers one front sets itself: the original request URI and method. */
export interface FrontHeaders {
  uri: string;
  method: string;
}

/**
 * Headers each front sets itself and overwrites, whatever the client sent (docs/examples shows
 * each: nginx `proxy_set_header`, Caddy `forward_auth`, Traefik ForwardAuth with
 * `trustForwardHeader: false`).
 */
export const FRONT_HEADERS: Readonly<Record<Exclude<AuthFront, 'off'>, FrontHeaders>> = {
  nginx: { uri: 'x-original-uri', method: 'x-forwarded-method' },
  caddy: { uri: 'x-forwarded-uri', method: 'x-forwarded-method' },
  traefik: { uri: 'x-forwarded-uri', method: 'x-forwarded-method' },
};

/** Every header some front uses to name the original request (lower case). */
export const ORIGINAL_REQUEST_HEADERS: readonly string[] = [
  'x-original-uri',
  'x-forwarded-uri',
  'x-original-method',
  'x-forwarded-method',
];

/** An HTTP method as a front forwards it: a token of at most 20 characters (`PROPPATCH` has 9). */
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}$/;

/** The original request a forward-auth call asks about, or why it cannot be trusted. */
export type OriginalRequest =
  | { ok: true; uri: string; method: string }
  | { ok: false; code: 'FORWARD_AUTH_BAD_REQUEST' | 'FORWARD_AUTH_HEADER_CONFLICT' };

/**
 * Reads the original URI and method from the configured front's own headers. A header given
 * twice, or any other front's header (even empty, even agreeing), is a conflict: the front was
 * supposed to have removed it. A missing URI or method is a bad request (never a fallback to a
 * header or method the client chose).
 * @param headers request headers with every value kept (`IncomingMessage.headersDistinct`)
 * @example readOriginalRequest({ 'x-original-uri': ['/a.ipa?token=…'], 'x-forwarded-method': ['GET'] }, 'nginx')
 */
export function readOriginalRequest(
  headers: Readonly<Record<string, readonly string[] | undefined>>,
  front: Exclude<AuthFront, 'off'>,
): OriginalRequest {
  const own = FRONT_HEADERS[front];
  for (const name of ORIGINAL_REQUEST_HEADERS) {
    const values = headers[name];
    if (values === undefined) continue;
    if (values.length > 1 || (name !== own.uri && name !== own.method)) {
      return { ok: false, code: 'FORWARD_AUTH_HEADER_CONFLICT' };
    }
  }
  const uri = headers[own.uri]?.[0];
  const method = headers[own.method]?.[0];
  // A method is a short HTTP token (RFC 9110 §9.1); anything else is not a front's header —
  // and would be written to the access log as the request's method.
  if (uri === undefined || !uri.startsWith('/') || method === undefined || !METHOD.test(method)) {
    return { ok: false, code: 'FORWARD_AUTH_BAD_REQUEST' };
  }
  return { ok: true, uri, method: method.toUpperCase() };
}
