/**
 * Sends one verified file: plan (pure) → write headers → bytes from memory or a file stream
 * piped with backpressure. Every path closes the file handle, including client aborts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { type FileRequest, isPlainRequest, planFileResponse } from '../http/plan.js';
import type { ContentContext, RequestRecord } from './context.js';
import type { ResolvedFile } from './files.js';
import { COMMON_HEADERS, sendRefusal, serveRefusal } from './respond.js';

/**
 * Serves a file for already-checked segments after the token verified. `key` is the decoded
 * path. Returns a promise only when the disk has to be consulted.
 */
export function serveFile(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RequestRecord,
  segments: string[],
  key: string,
): void | Promise<void> {
  const file = ctx.files!.resolve(segments, key);
  if (file instanceof Promise) return file.then((f) => sendFile(ctx, req, res, rec, f));
  return sendFile(ctx, req, res, rec, file);
}

function sendFile(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RequestRecord,
  file: ResolvedFile | null,
): void | Promise<void> {
  if (file === null) {
    rec.outcome = 'NOT_FOUND';
    sendRefusal(res, rec.method, serveRefusal('NOT_FOUND'));
    return;
  }
  const weakEtag = ctx.config.etag === 'weak';
  // The common case, a whole small file from memory: headers made once per cached file.
  if (file.bytes && isPlainRequest(req.headers)) {
    file.fullResponseHeaders ??= fullResponseHeaders(file, weakEtag);
    res.writeHead(200, file.fullResponseHeaders);
    if (rec.method === 'HEAD' || file.size === 0) {
      res.end();
      return;
    }
    rec.bytesSent = file.size;
    res.end(file.bytes);
    return;
  }
  const plan = planFileResponse(
    { method: rec.method as FileRequest['method'], headers: req.headers },
    file,
    { weakEtag },
  );
  rec.outcome = plan.outcome;
  if (plan.status === 412 || plan.status === 416) {
    sendRefusal(
      res,
      rec.method,
      serveRefusal(plan.outcome as 'PRECONDITION_FAILED' | 'RANGE_NOT_SATISFIABLE', plan.headers),
    );
    return closeFile(file);
  }
  res.writeHead(plan.status, { ...COMMON_HEADERS, ...plan.headers });
  if (plan.body === null) {
    res.end();
    return closeFile(file);
  }
  const { start, end } = plan.body;
  if (file.bytes) {
    rec.bytesSent = end - start + 1;
    res.end(file.bytes.subarray(start, end + 1));
    return;
  }
  streamFile(ctx, res, rec, file, start, end);
}

/** The 200 headers for a plain GET/HEAD, exactly as the planner makes them. */
function fullResponseHeaders(file: ResolvedFile, weakEtag: boolean): Record<string, string> {
  const plan = planFileResponse({ method: 'GET', headers: {} }, file, { weakEtag });
  return Object.freeze({ ...COMMON_HEADERS, ...plan.headers });
}

/**
 * Read-ahead per download. Large buffers make few fast downloads quick; with many slow
 * downloads each one holds about a read buffer plus a chunk queued on its socket, so past
 * {@link BUSY_STREAMS} concurrent streams new downloads read in small chunks (bench:serve (d)).
 */
const FAST_READ_BYTES = 256 * 1024;
const BUSY_READ_BYTES = 16 * 1024;
const BUSY_STREAMS = 16;
let openStreams = 0;

function streamFile(
  ctx: ContentContext,
  res: ServerResponse,
  rec: RequestRecord,
  file: ResolvedFile,
  start: number,
  end: number,
): void {
  const stream = file.handle!.createReadStream({
    start,
    end,
    autoClose: true,
    highWaterMark: openStreams < BUSY_STREAMS ? FAST_READ_BYTES : BUSY_READ_BYTES,
  });
  openStreams++;
  ctx.metrics.inFlight.inc();
  pipeline(stream, res, (err) => {
    openStreams--;
    ctx.metrics.inFlight.dec();
    rec.bytesSent = stream.bytesRead;
    if (err && rec.outcome === 'OK') rec.outcome = res.writableEnded ? 'OK' : 'CLIENT_ABORTED';
  });
}

async function closeFile(file: ResolvedFile): Promise<void> {
  await file.handle?.close().catch(() => {});
}
