/**
 * `GET /_portcullis/auth` for front servers: nginx `auth_request`, Caddy `forward_auth` and
 * Traefik ForwardAuth. The `authFront` setting names the front; the original URI and method are
 * read only from the headers that front sets itself (forward-auth-front.ts), so a client cannot
 * choose what is authorised. Answers 204 or a refusal; nginx treats only 401/403 as "deny", so
 * non-token refusals use 403. Client-supplied X-Portcullis-* headers are never read.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkRequestPath } from '../http/path.js';
import type { ContentContext, RequestRecord } from './context.js';
import { readOriginalRequest } from './forward-auth-front.js';
import { sendRefusal, serveRefusal, tokenRefusal } from './respond.js';

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Handles one forward-auth request. */
export async function handleForwardAuth(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RequestRecord,
): Promise<void> {
  const front = ctx.config.authFront;
  if (front === 'off') {
    // Like any unknown reserved path: nothing here to probe when no front asks.
    rec.outcome = 'NOT_FOUND';
    sendRefusal(res, req.method, serveRefusal('NOT_FOUND'));
    return;
  }
  rec.via = 'auth';
  rec.audited = true;
  const original = readOriginalRequest(req.headersDistinct, front);
  if (!original.ok) {
    rec.outcome = original.code;
    sendRefusal(res, req.method, serveRefusal(original.code));
    return;
  }
  const { uri, method } = original;
  rec.method = method;
  if (method !== 'GET' && method !== 'HEAD') {
    rec.outcome = 'METHOD_NOT_ALLOWED';
    sendRefusal(res, req.method, serveRefusal('METHOD_NOT_ALLOWED', {}, 403));
    return;
  }
  const q = uri.indexOf('?');
  const rawPath = q < 0 ? uri : uri.slice(0, q);
  const query = q < 0 ? '' : uri.slice(q + 1);
  const checked = checkRequestPath(rawPath);
  if (!checked.ok) {
    rec.outcome = 'PATH_REJECTED';
    sendRefusal(res, req.method, serveRefusal('PATH_REJECTED', {}, 403));
    return;
  }
  rec.path = checked.path;
  const result = await ctx.auth.authenticate({
    query,
    authorization: header(req, 'authorization'),
    path: checked.path,
    directory: checked.directory,
    isRange: method === 'GET' && header(req, 'range') !== undefined,
  });
  if (result.fingerprint !== undefined) rec.fingerprint = result.fingerprint;
  if (!result.ok) {
    rec.outcome = result.code;
    sendRefusal(res, req.method, tokenRefusal(result.code));
    return;
  }
  if (result.keyLabel !== undefined) rec.keyLabel = result.keyLabel;
  if (result.kid !== undefined) rec.kid = result.kid;
  rec.outcome = 'OK';
  const headers: Record<string, string> = {
    'cache-control': 'no-store',
    'x-portcullis-token-fingerprint': result.fingerprint,
  };
  if (result.kid !== undefined) headers['x-portcullis-kid'] = result.kid;
  if (result.keyLabel !== undefined)
    headers['x-portcullis-key-label'] = encodeURIComponent(result.keyLabel);
  res.writeHead(204, headers);
  res.end();
}
