/**
 * Refusal responses. Bodies and headers depend only on the error code, never on the path or
 * on whether a file exists, so a 401 for an existing file is byte-identical to one for a
 * missing file.
 */
import type { ServerResponse } from 'node:http';
import { TOKEN_ERRORS, type TokenErrorCode, tokenChallenge } from '../token/errors.js';
import { SERVE_ERRORS, type ServeErrorCode } from './errors.js';

/** Headers every content-listener response carries. */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
};

/** A prepared refusal: status, headers and body bytes. */
export interface Refusal {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const cache = new Map<string, Refusal>();

function build(
  status: number,
  error: string,
  code: string,
  message: string,
  extra: Record<string, string>,
): Refusal {
  const body = Buffer.from(`${JSON.stringify({ error, code, message })}\n`);
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
    const challenge = tokenChallenge(code);
    const body = Buffer.from(challenge.body);
    r = {
      status: TOKEN_ERRORS[code].status,
      headers: {
        ...COMMON_HEADERS,
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'content-length': String(body.length),
        'www-authenticate': challenge.wwwAuthenticate,
      },
      body,
    };
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
  return build(status ?? info.status, code.toLowerCase(), code, info.message, extra);
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
