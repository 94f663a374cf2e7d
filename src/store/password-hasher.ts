/**
 * Runs scrypt off the serving event loop and off libuv's thread pool. The async `crypto.scrypt`
 * queues on the same four pool threads that file reads use, so a burst of sign-ins used to stall
 * downloads; here one dedicated worker thread runs `scryptSync`, one hash at a time, and a
 * bounded queue refuses overflow at once with STORE_PASSWORD_HASHER_BUSY instead of queueing
 * without end.
 */
import { Worker } from 'node:worker_threads';
import { StoreError } from './errors.js';

/** One scrypt derivation; `password` is already NFC-normalised. */
export interface ScryptJob {
  password: string;
  salt: Uint8Array;
  N: number;
  r: number;
  p: number;
  keyLength: number;
  maxmem: number;
}

/** Jobs waiting or running at once; more are refused (a sign-in burst, not a backlog). */
export const MAX_QUEUED_HASHES = 32;

// The worker's source is a string (like the migrations' SQL) so it runs the same from src/
// under vitest and from dist/ without a separate asset to locate. It is CommonJS: eval workers
// are scripts. `scryptSync` blocks only this thread, which exists for nothing else.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
parentPort.on('message', ({ id, job }) => {
  try {
    const key = scryptSync(job.password, job.salt, job.keyLength, {
      N: job.N, r: job.r, p: job.p, maxmem: job.maxmem,
    });
    parentPort.postMessage({ id, key });
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err) });
  }
});
`;

interface Pending {
  resolve(key: Buffer): void;
  reject(err: Error): void;
}

/** A single scrypt worker thread with a bounded queue. */
export class PasswordHasher {
  readonly #maxQueued: number;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | undefined;
  #nextId = 1;
  #accepted = 0;

  constructor(maxQueued = MAX_QUEUED_HASHES) {
    this.#maxQueued = maxQueued;
  }

  /** Jobs waiting or running now. */
  get queued(): number {
    return this.#pending.size;
  }

  /** Jobs accepted since start (metrics, and tests proving refusals came before hashing). */
  get accepted(): number {
    return this.#accepted;
  }

  /** Derives a key; rejects at once with STORE_PASSWORD_HASHER_BUSY when the queue is full. */
  derive(job: ScryptJob): Promise<Buffer> {
    if (this.#pending.size >= this.#maxQueued) {
      return Promise.reject(new StoreError('STORE_PASSWORD_HASHER_BUSY'));
    }
    const worker = this.#start();
    const id = this.#nextId++;
    this.#accepted += 1;
    return new Promise<Buffer>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // Keep the process alive only while work is outstanding (a CLI exits once it is done).
      worker.ref();
      worker.postMessage({ id, job });
    });
  }

  /** Stops the worker; outstanding jobs reject. The next `derive` starts a new one. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failAll(new StoreError('STORE_UNAVAILABLE', 'The password hasher was stopped.'));
    await worker?.terminate();
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'portcullis-scrypt' });
    worker.on('message', (msg: { id: number; key?: Uint8Array; error?: string }) => {
      const pending = this.#pending.get(msg.id);
      if (!pending) return;
      this.#pending.delete(msg.id);
      if (this.#pending.size === 0) worker.unref();
      if (msg.key) pending.resolve(Buffer.from(msg.key.buffer, msg.key.byteOffset, msg.key.length));
      else pending.reject(new Error(`scrypt failed: ${msg.error ?? 'unknown error'}`));
    });
    const lost = () => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#failAll(new StoreError('STORE_UNAVAILABLE', 'The password hasher stopped.'));
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  #failAll(err: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(err);
  }
}

/** The process-wide hasher every password check and hash goes through. */
export const passwordHasher = new PasswordHasher();
