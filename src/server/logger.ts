/**
 * pino JSON logger for serve, with the secrets it could ever see redacted at the source, writing
 * through a bounded asynchronous destination (see docs/decisions.md, "The access log").
 */
import { type DestinationStream, type Logger, pino } from 'pino';

/**
 * Bytes the access log may hold in memory while the disk (or the pipe to a log collector) is
 * slower than the requests. ~60,000 access lines: a healthy destination never gets near it;
 * past it, lines are dropped and counted instead of the event loop waiting on the disk.
 */
export const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

/** What a logger's destination reports: lines dropped because the buffer bound was hit. */
interface DestinationState {
  dropped: number;
  flush(): Promise<void>;
}

const states = new WeakMap<Logger, DestinationState>();

/** Loggers made here whose access lines may be written without pino: the stream pino writes to. */
const accessStreams = new WeakMap<Logger, DestinationStream>();

/** One access-log line's fields, in the order they are written (undefined ones are left out). */
export interface AccessLine {
  method: string;
  url: string;
  path: string;
  status: number;
  outcome: string;
  bytes: number;
  ms: number;
  client: string;
  fp: string | undefined;
  kid: string | undefined;
  cert: string | undefined;
  via: string;
}

/**
 * Writes one access line at `info`, byte for byte the line `logger.info(line, 'request')` writes
 * (level, time, the logger's bindings, the fields, msg). For a logger made by
 * {@link createServeLogger} it is built with one `JSON.stringify` and handed to the same stream:
 * pino's per-key serialisation and its redaction pass (whose paths an access line never has) were
 * ~5 µs of every request. Any other logger gets `logger.info`. The caller checks the level.
 */
export function writeAccessLine(logger: Logger, line: AccessLine): void {
  const stream = accessStreams.get(logger);
  if (stream === undefined) {
    logger.info(line, 'request');
    return;
  }
  const fields = JSON.stringify(line);
  stream.write(
    `{"level":30,"time":${Date.now()}${(logger as unknown as Record<symbol, string>)[pino.symbols.chindingsSym]},${fields.slice(1, -1)},"msg":"request"}\n`,
  );
}

/** Lines in a chunk of JSON lines (every line ends with a newline). */
function countLines(chunk: string): number {
  let n = 0;
  for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) n++;
  return n;
}

/** Synchronous flushes run on `exit`: one listener for every logger a process makes (tests make many). */
const hardExitFlushes: Array<() => void> = [];

/** True once the process is exiting: no more waiting for a full stdout pipe. */
let exiting = false;

function onHardExit(flush: () => void): void {
  if (hardExitFlushes.length === 0) {
    // Before pino's own exit hook, which flushes the same destination and must see `exiting` too.
    process.prependOnceListener('exit', () => {
      exiting = true;
      for (const f of hardExitFlushes) {
        try {
          f();
        } catch {
          // stdout already gone: nothing left to write to
        }
      }
    });
  }
  hardExitFlushes.push(flush);
}

/** How long a line may wait for the lines after it before its batch is written. */
const BATCH_WINDOW_MS = 10;
/** A batch this large is written at once, without waiting for the window. */
const BATCH_MAX_BYTES = 64 * 1024;

/** How long a graceful exit waits for the log destination before giving up on it. */
const FLUSH_TIMEOUT_MS = 5000;

/** The asynchronous destination: writes coalesce while one is in flight; bounded; flushed on exit. */
function asyncStdout(): { stream: DestinationStream; state: DestinationState } {
  // sonic-boom (pino's own destination): with sync off, a line is appended to a buffer and one
  // write(2) at a time goes to the thread pool carrying everything buffered since the last one.
  // minLength 0: nothing waits for the buffer to fill, so a quiet server's lines appear at once.
  // pino registers a synchronous flush for process exit; graceful stops flush first (flushLogger).
  const boom = pino.destination({
    dest: 1,
    sync: false,
    minLength: 0,
    maxLength: LOG_BUFFER_MAX_BYTES,
    // While running, a full pipe (EAGAIN) is retried; at exit it is not, so a stdout nobody reads
    // any more cannot hold the process forever (those lines are lost with the reader).
    retryEAGAIN: () => !exiting,
  });
  // sonic-boom's flush(cb) answers at once when minLength is 0, so whether bytes are still on
  // their way is tracked here: set by a write, cleared by 'drain' (emitted once the buffer is empty).
  let pending = false;
  const waiters: Array<() => void> = [];
  const settle = () => {
    pending = false;
    for (const w of waiters.splice(0)) w();
  };
  boom.on('drain', settle);
  boom.on('close', settle);
  const state: DestinationState = {
    dropped: 0,
    flush: () => {
      writeBatch();
      return pending
        ? new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
            waiters.push(() => {
              clearTimeout(timer);
              resolve();
            });
          })
        : Promise.resolve();
    },
  };
  boom.on('drop', (data: string) => {
    state.dropped += countLines(data);
  });
  // Lines go out together: the first line of a batch starts a short timer and everything logged
  // until it fires (or until the batch reaches BATCH_MAX_BYTES) is one write. Under load that is
  // hundreds of lines per system call and thread-pool round trip instead of a few per event-loop
  // turn (measured in docs/decisions.md, "The access log"); on a quiet server a line still
  // appears within BATCH_WINDOW_MS.
  let batch = '';
  let timer: NodeJS.Timeout | null = null;
  const writeBatch = () => {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    const lines = batch;
    batch = '';
    if (lines === '') return;
    pending = true;
    boom.write(lines);
  };
  // A hard exit (process.exit elsewhere) still hands the last turn's lines over; pino's own exit
  // hook, and this one, then write them synchronously.
  onHardExit(() => {
    writeBatch();
    boom.flushSync();
  });
  const stream: DestinationStream = {
    write(line: string) {
      if (batch === '') timer = setTimeout(writeBatch, BATCH_WINDOW_MS);
      batch += line;
      if (batch.length >= BATCH_MAX_BYTES) writeBatch();
    },
  };
  return { stream, state };
}

/**
 * Creates the serve logger. Authorization/Cookie headers are censored wherever they appear;
 * URLs are redacted by the callers (redactUrl) before they are logged. Without a destination it
 * writes to stdout asynchronously (bounded, see {@link LOG_BUFFER_MAX_BYTES}).
 */
export function createServeLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { pid: process.pid },
    redact: {
      paths: [
        'authorization',
        'headers.authorization',
        'req.headers.authorization',
        'headers.cookie',
        'req.headers.cookie',
      ],
      censor: '[REDACTED]',
    },
  };
  if (destination) {
    const logger = pino(options, destination);
    // A multistream routes by the level pino records on it before each write: pino's path only.
    if (!(destination as unknown as Record<symbol, unknown>)[pino.symbols.needsMetadataGsym])
      accessStreams.set(logger, destination);
    return logger;
  }
  const { stream, state } = asyncStdout();
  const logger = pino(options, stream);
  states.set(logger, state);
  accessStreams.set(logger, stream);
  return logger;
}

/** Lines this logger's own destination dropped at its bound (0 for a caller-given destination). */
export function droppedLogLines(logger: Logger): number {
  return states.get(logger)?.dropped ?? 0;
}

/**
 * Waits until every line logged so far has been handed to the operating system. Call before a
 * graceful exit; a hard exit is covered by pino's synchronous flush on `exit`.
 */
export async function flushLogger(logger: Logger): Promise<void> {
  const dropped = droppedLogLines(logger);
  if (dropped > 0)
    logger.warn({ dropped }, 'access log lines dropped: the log destination was too slow');
  await states.get(logger)?.flush();
}
