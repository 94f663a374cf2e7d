/**
 * Sends one verified file: plan (pure) → write headers → bytes from memory or a file stream
 * piped with backpressure. Every path closes the file handle, including client aborts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { type FileRequest, planFileResponse } from '../http/plan.js';
import type { ContentContext, RequestRecord } from './context.js';
import type { ResolvedFile } from './files.js';
import { COMMON_HEADERS, sendRefusal, serveRefusal } from './respond.js';

/** Serves a file for already-checked segments after the token verified. */
export async function serveFile(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RequestRecord,
  segments: string[],
): Promise<void> {
  const files = ctx.files!;
  const file = await files.resolve(segments);
  if (file === null) {
    rec.outcome = 'NOT_FOUND';
    sendRefusal(res, rec.method, serveRefusal('NOT_FOUND'));
    return;
  }
  const plan = planFileResponse(
    { method: rec.method as FileRequest['method'], headers: req.headers },
    file,
    {
      weakEtag: ctx.config.etag === 'weak',
    },
  );
  rec.outcome = plan.outcome;
  if (plan.status === 412 || plan.status === 416) {
    await closeFile(file);
    sendRefusal(
      res,
      rec.method,
      serveRefusal(plan.outcome as 'PRECONDITION_FAILED' | 'RANGE_NOT_SATISFIABLE', plan.headers),
    );
    return;
  }
  res.writeHead(plan.status, { ...COMMON_HEADERS, ...plan.headers });
  if (plan.body === null) {
    await closeFile(file);
    res.end();
    return;
  }
  const { start, end } = plan.body;
  if (file.bytes) {
    rec.bytesSent = end - start + 1;
    res.end(file.bytes.subarray(start, end + 1));
    return;
  }
  streamFile(ctx, res, rec, file, start, end);
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
