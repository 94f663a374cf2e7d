/**
 * `GET /_portcullis/auth` for front servers: nginx `auth_request`, Caddy `forward_auth` and
 * Traefik ForwardAuth. The `authFront` setting names the front; the original URI and method are
 * read only from the headers that front sets itself (forward-auth-front.ts), so a client cannot
 * choose what is authorised. Answers 204 or a refusal; nginx treats only 401/403 as "deny", so
 * non-token refusals use 403. Client-supplied X-Portcullis-* headers are never read.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkRequestPath } from '../http/path.js';
import { admit, authorizationOf } from './admission.js';
import type { ContentContext, RequestRecord } from './context.js';
import { readOriginalRequest } from './forward-auth-front.js';
import { sendRefusal, serveRefusal } from './respond.js';

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
  const q = uri.indexOf('?');
  const rawPath = q < 0 ? uri : uri.slice(0, q);
  // The same pipeline as a download of that URI; refusals other than the token's answer 403.
  // No `connection`: the TLS connection is the front server's, so its certificate (if any) is
  // never taken for the device's — forward-auth admits by token only.
  const admitted = await admit(ctx, res, req.method, rec, {
    method,
    target: checkRequestPath(rawPath),
    query: q < 0 ? '' : uri.slice(q + 1),
    authorization: authorizationOf(req),
    isRange: method === 'GET' && req.headers.range !== undefined,
    resumable: true,
    denyStatus: 403,
  });
  if (admitted === null) return;
  if (!('fingerprint' in admitted)) throw new TypeError('forward-auth admits by token only');
  rec.outcome = 'OK';
  const headers: Record<string, string> = {
    'cache-control': 'no-store',
    'x-portcullis-token-fingerprint': admitted.fingerprint,
  };
  if (admitted.kid !== undefined) headers['x-portcullis-kid'] = admitted.kid;
  if (admitted.keyLabel !== undefined)
    headers['x-portcullis-key-label'] = encodeURIComponent(admitted.keyLabel);
  res.writeHead(204, headers);
  res.end();
}
