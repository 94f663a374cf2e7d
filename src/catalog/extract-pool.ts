/**
 * Metadata extraction off the serving event loop. Parsing an uploaded or dropped-in file is
 * untrusted work: it runs in a worker thread with its own small heap (`resourceLimits`) and a
 * wall-clock timeout. A file that overruns either costs that worker — it is terminated and a
 * fresh one is started for the next file — and is reported with a stable code
 * (METADATA_TIMEOUT, METADATA_WORKER_FAILED) so the catalog records it as unreadable.
 *
 * One worker and a bounded queue: extraction is rare and sequential work, and one thread
 * cannot starve the two cores the listeners share.
 *
 * The worker reads through this thread: it asks for byte ranges of the object being read and
 * the pool reads them (from a file, or with ranged GETs from a bucket) and hands back only those
 * bytes. Each read is capped in length, and the bytes one file may fetch in total are capped
 * (`maxFetchBytes`), so a hostile archive cannot make a worker pull a whole 8 GiB object through.
 * Why the worker holds no storage client: docs/decisions.md, "Metadata reads relayed".
 */
import { Worker } from 'node:worker_threads';
import { type ByteSource, openFileByteSource, type ReadSource } from './byte-source.js';
import { CATALOG_ERRORS, CatalogError, type CatalogErrorCode } from './errors.js';
import type { ExtractReply, ExtractRequest, ReadReply, ReadRequest } from './extract-worker.js';

/** Options of a {@link MetadataExtractor}. */
export interface MetadataExtractorOptions {
  /** Wall-clock limit per file in ms (default 5000; setting `catalog.extractTimeoutSeconds`). */
  timeoutMs?: number;
  /** Old-generation heap of the worker in MiB (default 128). */
  maxHeapMb?: number;
  /** Files waiting beyond the one being read; more are refused with METADATA_BUSY (default 64). */
  maxQueue?: number;
  /** Bytes one file's reader may fetch in total (default 96 MiB; far beyond any real reader). */
  maxFetchBytes?: number;
}

/** Largest single read the worker may ask for: a 16 MiB xar TOC plus slack. */
const MAX_READ_BYTES = 17 * 1024 * 1024;
/** Most storage waiting time that extends one file's wall-clock limit. */
const MAX_IO_CREDIT_MS = 60_000;

/** Default wall-clock limit of one extraction. */
export const DEFAULT_EXTRACT_TIMEOUT_MS = 5_000;

interface Job {
  id: number;
  input: ReadSource;
  name: string;
  source?: ByteSource;
  close?: () => Promise<void>;
  fetched: number;
  /** Milliseconds spent waiting for storage reads (not the worker's time), and reads in flight. */
  ioMs: number;
  inFlight: number;
  resolve: (metadata: Record<string, unknown>) => void;
  reject: (err: Error) => void;
}

/** Runs {@link extractKindMetadata} for one file at a time in a resource-limited worker. */
export class MetadataExtractor {
  /** Wall-clock limit per file; applies from the next file on. */
  timeoutMs: number;
  /** Old-generation heap of the worker in MiB; applies from the next worker on. */
  maxHeapMb: number;
  readonly #maxQueue: number;
  readonly #maxFetchBytes: number;
  readonly #queue: Job[] = [];
  #worker: Worker | null = null;
  #current: Job | null = null;
  #timer: NodeJS.Timeout | null = null;
  #nextId = 1;
  #closed = false;

  constructor(opts: MetadataExtractorOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_EXTRACT_TIMEOUT_MS;
    this.maxHeapMb = opts.maxHeapMb ?? 128;
    this.#maxQueue = opts.maxQueue ?? 64;
    this.#maxFetchBytes = opts.maxFetchBytes ?? 96 * 1024 * 1024;
  }

  /**
   * Reads the kind metadata of `input` (a file path, or ranged reads of an opened object),
   * classified by `name`, in the worker. The caller keeps `input` open until this settles.
   * @throws CatalogError with the reader's code, METADATA_TIMEOUT, METADATA_WORKER_FAILED,
   *   METADATA_BUDGET_EXCEEDED or METADATA_BUSY; a plain Error (with `code` such as ENOENT or
   *   EIO, never a path) when the file could not be opened or the storage failed
   */
  extract(input: ReadSource, name: string): Promise<Record<string, unknown>> {
    if (this.#closed) return Promise.reject(new TypeError('the extractor is closed'));
    if (this.#queue.length >= this.#maxQueue) {
      return Promise.reject(new CatalogError('METADATA_BUSY'));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({
        id: this.#nextId++,
        input,
        name,
        resolve,
        reject,
        fetched: 0,
        ioMs: 0,
        inFlight: 0,
      });
      this.#pump();
    });
  }

  /** Stops the worker; queued files are refused with METADATA_BUSY. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new CatalogError('METADATA_BUSY'));
    this.#finish(new CatalogError('METADATA_BUSY'));
    const w = this.#worker;
    this.#worker = null;
    if (w) await w.terminate();
  }

  #pump(): void {
    if (this.#current || this.#closed) return;
    const job = this.#queue.shift();
    if (!job) {
      // Idle: an unref'd worker does not keep a CLI process alive.
      this.#worker?.unref();
      return;
    }
    this.#current = job;
    void this.#start(job);
  }

  async #start(job: Job): Promise<void> {
    if (typeof job.input === 'string') {
      try {
        const file = await openFileByteSource(job.input);
        job.source = file.source;
        job.close = file.close;
      } catch (err) {
        // Only the errno leaves: Node's message names the absolute path.
        const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
        this.#finish(Object.assign(new Error('The file could not be opened.'), { code }));
        return;
      }
      if (this.#current !== job) {
        await job.close?.();
        return;
      }
    } else {
      job.source = job.input;
    }
    const worker = this.#ensureWorker();
    worker.ref();
    this.#armTimer(job, this.timeoutMs, 0);
    worker.postMessage({
      type: 'extract',
      id: job.id,
      size: job.source.size,
      name: job.name,
    } satisfies ExtractRequest);
  }

  /**
   * The wall-clock limit is on the worker's own time: time spent waiting for storage (a slow
   * bucket) extends it, up to {@link MAX_IO_CREDIT_MS} in all, so a slow store is not mistaken
   * for a hostile file (METADATA_TIMEOUT is recorded and not retried), while a hung one still is.
   */
  #armTimer(job: Job, ms: number, credited: number): void {
    this.#timer = setTimeout(() => {
      if (this.#current !== job) return;
      // Owed: storage time not yet granted; a read still in flight is granted 50 ms at a time.
      const owed = Math.min(job.ioMs, MAX_IO_CREDIT_MS) - credited;
      if ((owed > 0 || job.inFlight > 0) && credited < MAX_IO_CREDIT_MS) {
        const grant = owed > 0 ? owed : 50;
        this.#armTimer(job, grant, credited + grant);
        return;
      }
      this.#kill(
        'METADATA_TIMEOUT',
        `Reading the file metadata took longer than ${this.timeoutMs} ms.`,
      );
    }, ms);
  }

  /** Serves one range of the current job's object to the worker, within its caps. */
  #serveRead(worker: Worker, req: ReadRequest): void {
    const job = this.#current;
    if (!job?.source || job.id !== req.id) return;
    const answer = (reply: ReadReply, transfer?: ArrayBuffer[]) => {
      if (this.#worker === worker && this.#current === job) worker.postMessage(reply, transfer);
    };
    const { offset, length } = req;
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length < 0 ||
      length > MAX_READ_BYTES
    ) {
      answer({ type: 'bytes', seq: req.seq, failure: 'budget' });
      return;
    }
    const want = Math.max(0, Math.min(length, job.source.size - offset));
    job.fetched += want;
    if (job.fetched > this.#maxFetchBytes) {
      answer({ type: 'bytes', seq: req.seq, failure: 'budget' });
      return;
    }
    const started = performance.now();
    job.inFlight++;
    const done = () => {
      job.inFlight--;
      job.ioMs += performance.now() - started;
    };
    job.source.read(offset, want).then(
      (bytes) => {
        done();
        // A copy the worker owns: a Buffer may be a view of a shared pool.
        const own = new Uint8Array(bytes);
        answer({ type: 'bytes', seq: req.seq, bytes: own }, [own.buffer]);
      },
      (err: unknown) => {
        done();
        const errno = (err as { code?: unknown })?.code;
        answer({
          type: 'bytes',
          seq: req.seq,
          failure: 'io',
          ...(typeof errno === 'string' && /^E[A-Z]+$/.test(errno) ? { errno } : {}),
        });
      },
    );
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(workerUrl(), {
      resourceLimits: {
        maxOldGenerationSizeMb: this.maxHeapMb,
        maxYoungGenerationSizeMb: 16,
        codeRangeSizeMb: 16,
        stackSizeMb: 4,
      },
      // The worker reads only the ranges it is handed; it needs neither stdin nor environment.
      stdin: false,
      env: {},
    });
    worker.on('message', (reply: ExtractReply | ReadRequest) => {
      if (this.#worker !== worker || this.#current?.id !== reply.id) return;
      if (reply.type === 'read') {
        this.#serveRead(worker, reply);
        return;
      }
      if (reply.ok) this.#finish(null, reply.metadata);
      else this.#finish(errorFromReply(reply));
    });
    // Out of memory (ERR_WORKER_OUT_OF_MEMORY) or any crash: the worker is gone.
    worker.on('error', () => {
      if (this.#worker === worker) this.#kill('METADATA_WORKER_FAILED');
    });
    worker.on('exit', () => {
      if (this.#worker === worker) this.#kill('METADATA_WORKER_FAILED');
    });
    this.#worker = worker;
    return worker;
  }

  /** Fails the current file with `code`, throws the worker away and moves on. */
  #kill(code: CatalogErrorCode, detail?: string): void {
    const w = this.#worker;
    this.#worker = null;
    if (w) void w.terminate();
    this.#finish(new CatalogError(code, detail));
  }

  #finish(err: Error | null, metadata?: Record<string, unknown>): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const job = this.#current;
    this.#current = null;
    if (job?.close) void job.close();
    if (job) {
      if (err) job.reject(err);
      else job.resolve(metadata ?? {});
    }
    this.#pump();
  }
}

function errorFromReply(reply: Extract<ExtractReply, { ok: false }>): Error {
  if (reply.catalogCode && Object.hasOwn(CATALOG_ERRORS, reply.catalogCode)) {
    return new CatalogError(reply.catalogCode as CatalogErrorCode, reply.message);
  }
  const err = new Error(reply.message) as NodeJS.ErrnoException;
  if (reply.errno) err.code = reply.errno;
  return err;
}

/**
 * The compiled worker next to this module. Under vitest this module runs from src/*.ts, and
 * Node 20 cannot start a TypeScript worker, so the worker compiled into dist/ is used; the tests
 * that reach it build dist/ first (test/helpers/dist.ts). See docs/decisions.md.
 */
function workerUrl(): URL {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    return new URL(here.replace(/\/src\/catalog\/[^/]+\.ts$/, '/dist/catalog/extract-worker.js'));
  }
  return new URL('./extract-worker.js', here);
}
