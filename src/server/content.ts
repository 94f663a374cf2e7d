/**
 * The content listener's request handler (plain node:http for speed). Order matters for what
 * a refusal may reveal: URL length → reserved routes → extensions → method → pure path check
 * → token → only then the disk or the upstream. Nothing about a file is observable before the
 * token verifies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkRequestPath } from '../http/path.js';
import { type ContentContext, type RequestRecord, trackRequest } from './context.js';
import { serveFile } from './file-route.js';
import { handleForwardAuth } from './forward-auth.js';
import { redactError } from './redact.js';
import { COMMON_HEADERS, sendRefusal, serveRefusal, tokenRefusal } from './respond.js';

/** Paths under this prefix belong to Portcullis itself, never to content. */
export const RESERVED_PREFIX = '/_portcullis/';

/** Builds the `(req, res)` handler of the content listener. */
export function createContentHandler(
  ctx: ContentContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const rec = trackRequest(ctx, req, res);
    route(ctx, req, res, rec).catch((err: unknown) => {
      ctx.logger.error({ err: redactError(err) }, 'request failed');
      rec.outcome = 'INTERNAL_ERROR';
      if (!res.headersSent) sendRefusal(res, req.method, serveRefusal('INTERNAL_ERROR'));
      else res.destroy();
    });
  };
}

async function route(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RequestRecord,
): Promise<void> {
  const url = req.url ?? '/';
  if (url.length > ctx.config.maxUrlLength) {
    rec.outcome = 'URI_TOO_LONG';
    sendRefusal(res, req.method, serveRefusal('URI_TOO_LONG'));
    return;
  }
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  if (rawPath.startsWith(RESERVED_PREFIX)) return reserved(ctx, req, res, rec, rawPath);
  for (const ext of ctx.extensions) {
    if (await ext.handle(req, res, rawPath)) {
      rec.outcome = 'EXTENSION';
      return;
    }
  }
  rec.audited = true;
  rec.via = ctx.proxy ? 'proxy' : 'file';
  if (rec.method !== 'GET' && rec.method !== 'HEAD') {
    rec.outcome = 'METHOD_NOT_ALLOWED';
    sendRefusal(res, req.method, serveRefusal('METHOD_NOT_ALLOWED', { allow: 'GET, HEAD' }));
    return;
  }
  // The path check is pure (no disk), so refusing here reveals nothing about the content.
  const checked = checkRequestPath(rawPath);
  if (!checked.ok) {
    rec.outcome = 'PATH_REJECTED';
    sendRefusal(res, req.method, serveRefusal('PATH_REJECTED'));
    return;
  }
  rec.path = checked.path;
  const authorization = req.headers.authorization;
  const result = await ctx.auth.authenticate({
    query,
    authorization,
    path: checked.path,
    isRange: rec.method === 'GET' && req.headers.range !== undefined,
  });
  if (result.fingerprint !== undefined) rec.fingerprint = result.fingerprint;
  if (!result.ok) {
    rec.outcome = result.code;
    sendRefusal(res, req.method, tokenRefusal(result.code));
    return;
  }
  if (result.keyLabel !== undefined) rec.keyLabel = result.keyLabel;
  if (result.kid !== undefined) rec.kid = result.kid;
  if (checked.directory) {
    rec.outcome = 'NOT_FOUND';
    sendRefusal(res, req.method, serveRefusal('NOT_FOUND'));
    return;
  }
  if (ctx.proxy) return ctx.proxy.forward(req, res, rec, checked.segments, query);
  return serveFile(ctx, req, res, rec, checked.segments);
}

async function reserved(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RequestRecord,
  rawPath: string,
): Promise<void> {
  const name = rawPath.slice(RESERVED_PREFIX.length);
  if (name === 'auth') return handleForwardAuth(ctx, req, res, rec);
  if (name === 'healthz') {
    rec.outcome = 'HEALTH';
    return sendJson(res, req.method, 200, { status: 'ok' });
  }
  if (name === 'readyz') {
    const ready = ctx.keys.loaded && ctx.keys.ring.size > 0 && (await ctx.ready());
    rec.outcome = ready ? 'READY' : 'NOT_READY';
    if (!ready) return sendRefusal(res, req.method, serveRefusal('NOT_READY'));
    return sendJson(res, req.method, 200, { status: 'ready', keys: ctx.keys.ring.size });
  }
  rec.outcome = 'NOT_FOUND';
  sendRefusal(res, req.method, serveRefusal('NOT_FOUND'));
}

function sendJson(
  res: ServerResponse,
  method: string | undefined,
  status: number,
  value: unknown,
): void {
  const body = Buffer.from(`${JSON.stringify(value)}\n`);
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': String(body.length),
  });
  res.end(method === 'HEAD' ? undefined : body);
}
