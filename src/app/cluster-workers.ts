/**
 * Worker supervision for cluster mode: forking, start-up failure (reported once, by the
 * primary, after every worker is gone), replacement of crashed workers, and stopping.
 *
 * A worker that cannot start tells the primary why over IPC and then waits to be disconnected,
 * instead of printing and exiting itself: N workers failing alike would print N lines, and a
 * worker's exit can reach the primary before its last message does.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { ServeConfig } from '../server/config.js';
import { workerCount } from '../server/config.js';
import { ServeError } from '../server/errors.js';
import { formatHost } from '../server/format-host.js';
import { CLUSTER_UP_ENV, type ClusterMessage, isClusterMessage } from './cluster-messages.js';

/** Workers not yet removed from node:cluster's table. */
export const liveWorkers = (): Worker[] =>
  Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);

/** Delay before replacing a worker that died without ever listening (no tight crash loop). */
const RESTART_FAILED_MS = 1000;

/** A worker's start-up failure as the primary re-throws it (same code and message). */
function startFailure(code: string | null, message: string): Error {
  if (code) return Object.assign(new Error(message), { code });
  return new ServeError('WORKER_START_FAILED', `a content worker could not start: ${message}`);
}

/** Forked workers and the state of the cluster's start. */
export interface WorkerPool {
  /** Resolves with the content URL once every worker listens; rejects on the first failure. */
  started: Promise<string>;
  /** Marks the cluster up: tells every worker, and forks replacements already knowing it. */
  markUp(): void;
  /** Stops replacing workers and removes the pool's cluster listeners. */
  detach(): void;
}

/** Forks `workerCount(config)` workers; replaces workers that die after the start. */
export function forkWorkers(config: ServeConfig, logger: Logger): WorkerPool {
  const count = workerCount(config);
  const listening = new Set<number>();
  let up = false;
  let detached = false;
  let failedStart = false;
  let settle: { resolve: (url: string) => void; reject: (e: Error) => void } | null = null;
  const started = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const fail = (err: Error) => {
    if (!settle) return;
    settle.reject(err);
    settle = null;
    failedStart = true; // the start is over: no replacement forks while the pool is dismissed
  };
  const onListening = (worker: Worker, address: { port: number }) => {
    listening.add(worker.id);
    if (settle && listening.size === count) {
      settle.resolve(
        `${config.tlsCert ? 'https' : 'http'}://${formatHost(config.host)}:${address.port}`,
      );
      settle = null;
    }
  };
  const onMessage = (worker: Worker, m: unknown) => {
    if (!isClusterMessage(m) || m.portcullis !== 'start-failed') return;
    if (settle) return fail(startFailure(m.code, m.message));
    // A replacement that cannot start: say why, let it go; the exit handler retries later.
    logger.error({ worker: worker.id, code: m.code }, `worker cannot start: ${m.message}`);
    worker.disconnect();
  };
  const onExit = (worker: Worker, code: number | null, signal: string | null) => {
    if (detached || failedStart) return;
    const everListened = listening.delete(worker.id);
    if (settle) {
      return fail(
        new ServeError(
          'WORKER_START_FAILED',
          `a content worker exited (${signal ?? `code ${code}`}) before it was listening; see the log above`,
        ),
      );
    }
    logger.error({ worker: worker.id, code, signal }, 'worker died; starting a new one');
    const env = up ? { [CLUSTER_UP_ENV]: '1' } : {};
    if (everListened) cluster.fork(env);
    else setTimeout(() => !detached && cluster.fork(env), RESTART_FAILED_MS).unref();
  };
  cluster.on('listening', onListening);
  cluster.on('message', onMessage);
  cluster.on('exit', onExit);
  for (let i = 0; i < count; i++) cluster.fork();
  return {
    started,
    markUp() {
      up = true;
      for (const w of liveWorkers()) w.send({ portcullis: 'ready' } satisfies ClusterMessage);
    },
    detach() {
      detached = true;
      cluster.off('listening', onListening);
      cluster.off('message', onMessage);
      cluster.off('exit', onExit);
    },
  };
}

/** Waits for a worker's exit, killing it after `hardMs` as a last resort. */
function exitOf(w: Worker, hardMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (w.isDead()) return resolve();
    const hard = setTimeout(() => w.process.kill('SIGKILL'), hardMs);
    w.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
  });
}

/** Sends every worker the shutdown message and waits for it to exit (SIGKILL as a last resort). */
export async function stopWorkers(graceMs: number): Promise<void> {
  const workers = liveWorkers();
  const exits = workers.map((w) => exitOf(w, graceMs + 5000));
  for (const w of workers)
    if (w.isConnected()) w.send({ portcullis: 'shutdown' } satisfies ClusterMessage);
  await Promise.all(exits);
}

/**
 * After a failed start: disconnects every worker (running ones close, failed ones exit) and
 * waits until all are gone, so the primary never leaves a content listener behind.
 */
export async function dismissWorkers(): Promise<void> {
  const workers = liveWorkers();
  const exits = workers.map((w) => exitOf(w, 5000));
  for (const w of workers) if (w.isConnected()) w.disconnect();
  await Promise.all(exits);
}

let reported: Promise<void> | null = null;

/**
 * In a worker: tells the primary why this worker cannot start (once), then exits when the
 * primary disconnects it. The primary reports the failure; the worker prints nothing.
 */
export function reportWorkerStartFailure(err: unknown): Promise<void> {
  reported ??= new Promise<void>((resolve) => {
    const e = err as { code?: unknown; message?: unknown } | null;
    const code = typeof e?.code === 'string' && /^[A-Z][A-Z_]+$/.test(e.code) ? e.code : null;
    const message = typeof e?.message === 'string' ? e.message : String(err);
    const msg: ClusterMessage = { portcullis: 'start-failed', code, message };
    if (!process.send || !process.connected) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
  return reported;
}
