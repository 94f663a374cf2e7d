/**
 * Sends one verified file: plan (pure) → write headers → bytes from memory or a file stream
 * piped with backpressure. Every path closes the file handle, including client aborts.
 */
import type { FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type FileRequest, isPlainRequest, planFileResponse } from '../http/plan.js';
import type { ContentContext, RequestRecord } from './context.js';
import type { ResolvedFile } from './files.js';
import { ReadGate } from './read-gate.js';
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
 * Large files go out through buffers each download owns and reuses: read a chunk, write it, and
 * refill a buffer only once the socket has handed its bytes to the kernel. Nothing is allocated
 * per chunk, so a 100 MiB download makes no garbage for the collector (a read stream allocating
 * 256 KiB per read kept triggering full collections), and a stalled download holds exactly its
 * buffers. While few downloads run, two large buffers keep the disk and the socket busy at once
 * (bench:serve (c)); past {@link BUSY_STREAMS} most downloads are slow devices and memory
 * matters more, so each gets one small buffer (bench:serve (d)).
 */
const FAST = { buffers: 2, bytes: 256 * 1024 };
const BUSY = { buffers: 1, bytes: 16 * 1024 };
const BUSY_STREAMS = 16;
let openStreams = 0;
/** One gate per process: every download's reads share the thread pool with every new download. */
const reads = new ReadGate();

function streamFile(
  ctx: ContentContext,
  res: ServerResponse,
  rec: RequestRecord,
  file: ResolvedFile,
  start: number,
  end: number,
): void {
  const shape = openStreams >= BUSY_STREAMS ? BUSY : FAST;
  openStreams++;
  ctx.metrics.inFlight.inc();
  const pump = new FilePump(res, file.handle!, start, end, shape);
  res.once('close', () => {
    openStreams--;
    ctx.metrics.inFlight.dec();
    rec.bytesSent = pump.sent;
    void closeFile(file);
  });
  pump.start();
}

/**
 * Sends bytes start..end (inclusive) of a file handle to a response through a few reused
 * buffers: at most one read and one write in flight. Any failure destroys the response; the
 * caller releases the handle when the response closes (finished or aborted).
 */
class FilePump {
  readonly #res: ServerResponse;
  readonly #handle: FileHandle;
  readonly #end: number;
  readonly #free: Buffer[] = [];
  readonly #filled: { buffer: Buffer; length: number }[] = [];
  #readAt: number;
  #reading = false;
  #writing = false;
  /** Bytes handed to the socket. */
  sent = 0;

  constructor(
    res: ServerResponse,
    handle: FileHandle,
    start: number,
    end: number,
    shape: { buffers: number; bytes: number },
  ) {
    this.#res = res;
    this.#handle = handle;
    this.#readAt = start;
    this.#end = end;
    const size = Math.min(shape.bytes, end - start + 1);
    for (let i = 0; i < shape.buffers; i++) this.#free.push(Buffer.allocUnsafeSlow(size));
  }

  start(): void {
    this.#read();
  }

  #fail = (): void => {
    this.#res.destroy();
  };

  #read(): void {
    if (this.#reading || this.#readAt > this.#end || this.#res.destroyed) return;
    const buffer = this.#free.pop();
    if (buffer === undefined) return;
    this.#reading = true;
    const want = Math.min(buffer.length, this.#end - this.#readAt + 1);
    const at = this.#readAt;
    reads
      // A download aborted while its read waited for a turn reads nothing (its handle is closing).
      .run(() =>
        this.#res.destroyed
          ? Promise.resolve({ bytesRead: 0 })
          : this.#handle.read(buffer, 0, want, at),
      )
      .then(({ bytesRead }) => {
        this.#reading = false;
        if (this.#res.destroyed) return;
        if (bytesRead === 0) {
          // The file shrank after the headers promised its length: cut rather than send short.
          this.#fail();
          return;
        }
        this.#readAt += bytesRead;
        this.#filled.push({ buffer, length: bytesRead });
        this.#write();
        this.#read();
      }, this.#fail);
  }

  #write(): void {
    if (this.#writing || this.#res.destroyed) return;
    const next = this.#filled.shift();
    if (next === undefined) return;
    const { buffer, length } = next;
    const chunk = length === buffer.length ? buffer : buffer.subarray(0, length);
    this.sent += length;
    const last = this.#readAt > this.#end && this.#filled.length === 0 && !this.#reading;
    this.#writing = true;
    this.#res.write(chunk, (err) => {
      this.#writing = false;
      if (err) {
        this.#fail();
        return;
      }
      // End only once the last bytes reached the kernel: a response counts as finished from
      // end() on, and a shutdown's idle sweep (closeIdleConnections) destroys finished
      // responses' sockets, which would drop bytes still queued in the process.
      if (last) {
        this.#res.end();
        return;
      }
      // The socket no longer needs these bytes: the buffer can be refilled.
      this.#free.push(buffer);
      this.#write();
      this.#read();
    });
  }
}

async function closeFile(file: ResolvedFile): Promise<void> {
  await file.handle?.close().catch(() => {});
}
