/**
 * Refusal responses. Bodies and headers depend only on the error code, never on the path or
 * on whether a file exists, so a 401 for an existing file is byte-identical to one for a
 * missing file.
 */
import type { ServerResponse } from 'node:http';
import { CONTENT_SECURITY_POLICY } from '../http/plan.js';
import { TOKEN_ERRORS, type TokenErrorCode, tokenChallenge } from '../token/errors.js';
import { SERVE_ERRORS, type ServeErrorCode } from './errors.js';

/**
 * Headers every content-listener response carries: nothing is sniffed, and nothing served here
 * can run script in the distribution origin (see CONTENT_SECURITY_POLICY).
 */
export const COMMON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'content-security-policy': CONTENT_SECURITY_POLICY,
});

/** A prepared refusal: status, headers and body bytes. */
export interface Refusal {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const cache = new Map<string, Refusal>();

/** A JSON refusal with the headers every refusal carries, plus `extra`. */
function build(status: number, text: string, extra: Record<string, string>): Refusal {
  const body = Buffer.from(text);
  return {
    status,
    headers: {
      ...COMMON_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'content-length': String(body.length),
      ...extra,
    },
    body,
  };
}

/** The 401 for a token refusal (memoised: it is the hot refusal path). */
export function tokenRefusal(code: TokenErrorCode): Refusal {
  const key = `t:${code}`;
  let r = cache.get(key);
  if (!r) {
    const { body, wwwAuthenticate } = tokenChallenge(code);
    r = build(TOKEN_ERRORS[code].status, body, { 'www-authenticate': wwwAuthenticate });
    cache.set(key, r);
  }
  return r;
}

/** A serve refusal (404, 400, 405, ...). */
export function serveRefusal(
  code: ServeErrorCode,
  extra: Record<string, string> = {},
  status?: number,
): Refusal {
  const info = SERVE_ERRORS[code];
  const text = `${JSON.stringify({ error: code.toLowerCase(), code, message: info.message })}\n`;
  return build(status ?? info.status, text, extra);
}

/** Writes a refusal; HEAD gets the headers only. */
export function sendRefusal(
  res: ServerResponse,
  method: string | undefined,
  refusal: Refusal,
): void {
  res.writeHead(refusal.status, refusal.headers);
  res.end(method === 'HEAD' ? undefined : refusal.body);
}

/** A planned answer (a content extension's): status, headers, body or none. */
export interface PlannedResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: string | Uint8Array | null;
}

/**
 * Writes a planned answer with the listener's common headers (which a plan cannot drop) and its
 * Content-Length; HEAD gets the headers only. Returns the body bytes handed to the socket (0 for
 * HEAD and an empty answer), which the access log and the audit record as `bytes`.
 */
export function sendPlanned(
  res: ServerResponse,
  method: string | undefined,
  plan: PlannedResponse,
): number {
  const headers: Record<string, string> = { ...plan.headers, ...COMMON_HEADERS };
  if (plan.body === null) {
    res.writeHead(plan.status, headers);
    res.end();
    return 0;
  }
  const body = typeof plan.body === 'string' ? Buffer.from(plan.body) : plan.body;
  headers['content-length'] = String(body.byteLength);
  res.writeHead(plan.status, headers);
  if (method === 'HEAD') {
    res.end();
    return 0;
  }
  res.end(body);
  return body.byteLength;
}
