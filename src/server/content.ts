/**
 * The content listener's request handler (plain node:http for speed). Order matters for what
 * a refusal may reveal: URL length → reserved routes → extensions → method → pure path check
 * → token → only then the disk, the bucket or the upstream. Method, path and token go through the one
 * pipeline (admission.ts) that forward-auth and the extensions use too. Nothing about a file is
 * observable before the token verifies. A route that fails is answered here, in one place: the
 * shared store away → 503 STORE_UNAVAILABLE (store-unavailable.ts), anything else → 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkRequestPath, type PathCheck } from '../http/path.js';
import { matchReserved, RESERVED_PREFIX, type ReservedMatch } from '../http/reserved.js';
import { type Admitted, admit, authorizationOf } from './admission.js';
import { type ContentContext, type RequestRecord, trackRequest } from './context.js';
import { extensionAt, extensionFor, runExtension } from './extension-route.js';
import { serveFile } from './file-route.js';
import { handleForwardAuth } from './forward-auth.js';
import { memoize } from './lru.js';
import { redactError } from './redact.js';
import { COMMON_HEADERS, sendRefusal, serveRefusal } from './respond.js';
import { isStoreUnavailable, refuseStoreUnavailable } from './store-unavailable.js';

/** Paths already checked: devices ask for the same few files again and again. */
const PATH_MEMO_MAX = 10_000;

/** Second characters of every reserved path (`/_portcullis/`, the `/.portcullis/` alias). */
const UNDERSCORE = 0x5f;
const DOT = 0x2e;

/** Builds the `(req, res)` handler of the content listener. */
export function createContentHandler(
  ctx: ContentContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  const checkPath = memoize(PATH_MEMO_MAX, checkRequestPath);
  return (req, res) => {
    const rec = trackRequest(ctx, req, res);
    const fail = (err: unknown) => {
      // A route that awaited the shared store (a manifest link, a catalog record, the JWKS) and
      // found it away: a coded 503 the device retries, never a 500, an admission or a refusal.
      if (isStoreUnavailable(err)) return refuseStoreUnavailable(ctx, res, req.method, rec, err);
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
  const second = rawPath.charCodeAt(1);
  if (second === UNDERSCORE || second === DOT) {
    const match = matchReserved(rawPath);
    if (match !== null) return reserved(ctx, req, res, rec, match, query);
    if (rawPath.startsWith(RESERVED_PREFIX)) return notFound(req, res, rec);
  }
  if (ctx.extensions.length > 0) {
    const found = extensionAt(ctx.extensions, rawPath);
    if (found !== null) return runExtension(ctx, req, res, rec, found, query);
  }
  return content(ctx, req, res, rec, checkPath(rawPath), query);
}

/** A content request: method, path, token (the pipeline), then the file or the upstream. */
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
  const admitted = admit(ctx, res, req.method, rec, {
    method: rec.method,
    target: checked,
    query,
    authorization: authorizationOf(req),
    connection: req.socket,
    isRange: rec.method === 'GET' && req.headers.range !== undefined,
    resumable: true,
  });
  if (admitted instanceof Promise) {
    return admitted.then((a) => deliver(ctx, req, res, rec, checked, query, a));
  }
  return deliver(ctx, req, res, rec, checked, query, admitted);
}

function deliver(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RequestRecord,
  checked: PathCheck,
  query: string,
  admitted: Admitted | null,
): void | Promise<void> {
  // Not admitted: the pipeline has answered. (A failed path check is never admitted.)
  if (admitted === null || !checked.ok) return;
  if (checked.directory) {
    rec.outcome = 'NOT_FOUND';
    sendRefusal(res, req.method, serveRefusal('NOT_FOUND'));
    return;
  }
  if (ctx.proxy) return ctx.proxy.forward(req, res, rec, checked.segments, query);
  // Bucket keys are relative: the checked path without its leading '/'.
  // A device certificate carries no token expiry: its link lives for the transfer and the resume
  // grace only (the device presents its certificate again for a new one).
  if (ctx.bucket) {
    const basis = 'exp' in admitted ? admitted : { exp: 0 };
    return ctx.bucket.serve(req, res, rec, basis, checked.path.slice(1));
  }
  return serveFile(ctx, req, res, rec, checked.segments, checked.path);
}

/** The reserved routes: the listener's own, and the extensions that serve a reserved path. */
async function reserved(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RequestRecord,
  match: ReservedMatch,
  query: string,
): Promise<void> {
  switch (match.route.name) {
    case 'auth':
      return handleForwardAuth(ctx, req, res, rec);
    case 'healthz':
      rec.outcome = 'HEALTH';
      return sendJson(res, req.method, 200, { status: 'ok' });
    case 'readyz': {
      const ready = ctx.keys.loaded && ctx.keys.ring.size > 0 && (await ctx.ready());
      rec.outcome = ready ? 'READY' : 'NOT_READY';
      if (!ready) return sendRefusal(res, req.method, serveRefusal('NOT_READY'));
      // Degraded is still ready: the node verifies with its last key ring and must stay in the
      // load balancer's pool (fail static); the body and the metrics tell the operator.
      // A refused TLS reload keeps the old CRLs: revocation data may be stale (degraded too).
      const tlsFailed = ctx.tlsReload.failing !== null;
      const status = ctx.keys.source.degraded?.() || tlsFailed ? 'degraded' : 'ready';
      const tls = tlsFailed ? { tls: 'reload-failed' } : {};
      return sendJson(res, req.method, 200, { status, keys: ctx.keys.ring.size, ...tls });
    }
    default: {
      const found = extensionFor(ctx.extensions, match);
      if (found === null) return notFound(req, res, rec);
      return runExtension(ctx, req, res, rec, found, query);
    }
  }
}

function notFound(req: IncomingMessage, res: ServerResponse, rec: RequestRecord): void {
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
