/**
 * Entry point of the metadata extraction worker (see extract-pool.ts). It reads one file per
 * message and answers with the metadata or the refusal's code; a file that exhausts this
 * worker's heap or time kills only this worker, never the thread that serves downloads.
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { extractKindMetadata } from './extract-kind.js';

/** A request from the pool. */
export interface ExtractRequest {
  id: number;
  filePath: string;
  name: string;
}

/** The worker's answer: metadata, or the refusal's code and message (never a stack or path). */
export type ExtractReply =
  | { id: number; ok: true; metadata: Record<string, unknown> }
  | { id: number; ok: false; catalogCode?: string; message: string; errno?: string };

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
if (port) {
  port.on('message', (req: ExtractRequest) => {
    extractKindMetadata(req.filePath, req.name).then(
      (metadata) => port.postMessage({ id: req.id, ok: true, metadata } satisfies ExtractReply),
      (err: unknown) => port.postMessage(replyFor(req.id, err)),
    );
  });
}

function replyFor(id: number, err: unknown): ExtractReply {
  const e = err as { name?: string; code?: unknown; message?: unknown };
  if (e?.name === 'CatalogError' && typeof e.code === 'string') {
    return { id, ok: false, catalogCode: e.code, message: String(e.message) };
  }
  // A file that vanished mid-read (ENOENT) is not a verdict on the file: say so, without paths.
  const errno = typeof e?.code === 'string' ? e.code : undefined;
  return {
    id,
    ok: false,
    message: 'The metadata reader failed.',
    ...(errno ? { errno } : {}),
  };
}
