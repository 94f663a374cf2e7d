/**
 * Entry point of the metadata extraction worker (see extract-pool.ts). It reads one object per
 * request and answers with the metadata or the refusal's code; a file that exhausts this
 * worker's heap or time kills only this worker, never the thread that serves downloads.
 *
 * The worker holds no file handle, storage client or credential: it asks the pool for byte
 * ranges of the one object it is reading (`read` messages) and gets back only those bytes, so a
 * hostile file can make it read its own object and nothing else.
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { type ByteSource, cachedByteSource } from './byte-source.js';
import { extractKindMetadata } from './extract-kind.js';

/** A request from the pool: read the object (of `size` bytes) classified by `name`. */
export interface ExtractRequest {
  type: 'extract';
  id: number;
  size: number;
  name: string;
}

/** A range the worker asks the pool for, on behalf of job `id`. */
export interface ReadRequest {
  type: 'read';
  id: number;
  seq: number;
  offset: number;
  length: number;
}

/**
 * The pool's answer to a {@link ReadRequest}: the bytes, or why not (`budget`: the job read more
 * than it may; `io`: the storage failed — not a verdict on the file).
 */
export type ReadReply =
  | { type: 'bytes'; seq: number; bytes: Uint8Array }
  | { type: 'bytes'; seq: number; failure: 'budget' | 'io'; errno?: string };

/** The worker's answer: metadata, or the refusal's code and message (never a stack or path). */
export type ExtractReply =
  | { type: 'done'; id: number; ok: true; metadata: Record<string, unknown> }
  | {
      type: 'done';
      id: number;
      ok: false;
      catalogCode?: string;
      message: string;
      errno?: string;
    };

const port = parentPort;
// On a busy machine the parsing thread competes with the serving thread for the same cores;
// the lowest priority makes it yield. On Linux the nice value is per thread, so this touches
// only this worker; elsewhere it would renice the whole server, so it is Linux only.
if (port && process.platform === 'linux') {
  try {
    setPriority(19);
  } catch {
    // not permitted (seccomp, containers): parsing still works, at normal priority
  }
}

/** What went wrong with a read of the current job, whatever the reader made of the error. */
let readFailure: { failure: 'budget' | 'io'; errno?: string } | undefined;
const pending = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
let nextSeq = 1;

function remoteSource(id: number, size: number): ByteSource {
  const p = port;
  if (!p) throw new TypeError('not in a worker');
  return cachedByteSource({
    size,
    read: (offset, length) =>
      new Promise((resolve, reject) => {
        const seq = nextSeq++;
        pending.set(seq, { resolve, reject });
        p.postMessage({ type: 'read', id, seq, offset, length } satisfies ReadRequest);
      }),
  });
}

if (port) {
  port.on('message', (msg: ExtractRequest | ReadReply) => {
    if (msg.type === 'bytes') {
      const waiting = pending.get(msg.seq);
      pending.delete(msg.seq);
      if (!waiting) return;
      if ('bytes' in msg) waiting.resolve(msg.bytes);
      else {
        readFailure ??= msg.errno ? { failure: msg.failure, errno: msg.errno } : msg;
        waiting.reject(new Error('The object could not be read.'));
      }
      return;
    }
    readFailure = undefined;
    extractKindMetadata(remoteSource(msg.id, msg.size), msg.name).then(
      (metadata) =>
        port.postMessage({ type: 'done', id: msg.id, ok: true, metadata } satisfies ExtractReply),
      (err: unknown) => port.postMessage(replyFor(msg.id, err)),
    );
  });
}

function replyFor(id: number, err: unknown): ExtractReply {
  // A refused or failed read decides the answer, whatever error the reader wrapped it in.
  if (readFailure?.failure === 'budget') {
    return {
      type: 'done',
      id,
      ok: false,
      catalogCode: 'METADATA_BUDGET_EXCEEDED',
      message: 'Reading the file metadata would fetch too many bytes.',
    };
  }
  if (readFailure?.failure === 'io') {
    return {
      type: 'done',
      id,
      ok: false,
      message: 'The object could not be read.',
      errno: readFailure.errno ?? 'EIO',
    };
  }
  const e = err as { name?: string; code?: unknown; message?: unknown };
  if (e?.name === 'CatalogError' && typeof e.code === 'string') {
    return { type: 'done', id, ok: false, catalogCode: e.code, message: String(e.message) };
  }
  return { type: 'done', id, ok: false, message: 'The metadata reader failed.' };
}
