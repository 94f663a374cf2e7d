/**
 * The content listener's request handler (plain node:http for speed). Order matters for what
 * a refusal may reveal: URL length → reserved routes → extensions → method → pure path check
 * → token → only then the disk or the upstream. Nothing about a file is observable before the
 * token verifies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContentExtension, ExtensionOutcome } from '../contracts/content-extension.js';
import { checkRequestPath, type PathCheck } from '../http/path.js';
import type { AuthResult } from './auth.js';
import { type ContentContext, type RequestRecord, trackRequest } from './context.js';
import { serveFile } from './file-route.js';
import { handleForwardAuth } from './forward-auth.js';
import { memoize } from './lru.js';
import { redactError } from './redact.js';
import { COMMON_HEADERS, sendRefusal, serveRefusal, tokenRefusal } from './respond.js';

/** Paths under this prefix belong to Portcullis itself, never to content. */
export const RESERVED_PREFIX = '/_portcullis/';

/** Paths already checked: devices ask for the same few files again and again. */
const PATH_MEMO_MAX = 10_000;

/** Builds the `(req, res)` handler of the content listener. */
export function createContentHandler(
  ctx: ContentContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  const checkPath = memoize(PATH_MEMO_MAX, checkRequestPath);
  return (req, res) => {
    const rec = trackRequest(ctx, req, res);
    const fail = (err: unknown) => {
      ctx.logger.error({ err: redactError(err) }, 'request failed');
      rec.outcome = 'INTERNAL_ERROR';
      if (!res.headersSent) sendRefusal(res, req.method, serveRefusal('INTERNAL_ERROR'));
      else res.destroy();
    };
    // Synchronous from the first byte to res.end() when the token and the file are cached;
    // a promise appears only where the disk, the upstream or an extension is involved.
    try {
      const pending = route(ctx, req, res, rec, checkPath);
      if (pending !== undefined) pending.catch(fail);
    } catch (err) {
      fail(err);
    }
  };
}

function route(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RequestRecord,
  checkPath: (rawPath: string) => PathCheck,
): void | Promise<void> {
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
  const claims = (ext: ContentExtension) =>
    ext.prefix === undefined || rawPath.startsWith(ext.prefix);
  if (ctx.extensions.some(claims)) {
    // Extensions (JWKS, device manifests, …) write their own headers; the content listener's
    // common ones (nosniff, sandboxing CSP) are set first so no extension can forget them.
    for (const name in COMMON_HEADERS) res.setHeader(name, COMMON_HEADERS[name]!);
    const report = (r: ExtensionOutcome) => recordExtension(ctx, rec, r);
    return tryExtensions(ctx.extensions.filter(claims), req, res, rawPath, report).then(
      (handled) => {
        if (handled) {
          if (!rec.audited) rec.outcome = 'EXTENSION';
        } else return content(ctx, req, res, rec, checkPath(rawPath), query);
      },
    );
  }
  return content(ctx, req, res, rec, checkPath(rawPath), query);
}

async function tryExtensions(
  extensions: ContentExtension[],
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  report: (r: ExtensionOutcome) => void,
): Promise<boolean> {
  for (const ext of extensions) if (await ext.handle(req, res, rawPath, report)) return true;
  return false;
}

/** An extension's report becomes the request's record: audited, counted and logged like a download. */
function recordExtension(ctx: ContentContext, rec: RequestRecord, r: ExtensionOutcome): void {
  rec.audited = true;
  rec.via = r.via;
  rec.outcome = r.outcome;
  rec.path = r.path;
  if (r.identity) {
    rec.fingerprint = r.identity.fingerprint;
    if (r.identity.keyLabel !== undefined) rec.keyLabel = r.identity.keyLabel;
    if (r.identity.kid !== undefined) rec.kid = r.identity.kid;
  } else if (r.refusedToken) {
    rec.fingerprint = ctx.auth.fingerprint(r.refusedToken);
  }
}

/** A content request: method, path, token, then the file or the upstream. */
function content(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RequestRecord,
  checked: PathCheck,
  query: string,
): void | Promise<void> {
  rec.audited = true;
  rec.via = ctx.proxy ? 'proxy' : 'file';
  if (rec.method !== 'GET' && rec.method !== 'HEAD') {
    rec.outcome = 'METHOD_NOT_ALLOWED';
    sendRefusal(res, req.method, serveRefusal('METHOD_NOT_ALLOWED', { allow: 'GET, HEAD' }));
    return;
  }
  // The path check is pure (no disk), so refusing here reveals nothing about the content.
  if (!checked.ok) {
    rec.outcome = 'PATH_REJECTED';
    sendRefusal(res, req.method, serveRefusal('PATH_REJECTED'));
    return;
  }
  rec.path = checked.path;
  const result = ctx.auth.authenticate({
    query,
    authorization: req.headers.authorization,
    path: checked.path,
    directory: checked.directory,
    isRange: rec.method === 'GET' && req.headers.range !== undefined,
  });
  if (result instanceof Promise) {
    return result.then((r) => authorized(ctx, req, res, rec, checked, query, r));
  }
  return authorized(ctx, req, res, rec, checked, query, result);
}

function authorized(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RequestRecord,
  checked: PathCheck & { ok: true },
  query: string,
  result: AuthResult,
): void | Promise<void> {
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
  return serveFile(ctx, req, res, rec, checked.segments, checked.path);
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
    // Degraded is still ready: the node verifies with its last key ring and must stay in the
    // load balancer's pool (fail static); the body and the metrics tell the operator.
    const status = ctx.keys.source.degraded?.() ? 'degraded' : 'ready';
    return sendJson(res, req.method, 200, { status, keys: ctx.keys.ring.size });
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
