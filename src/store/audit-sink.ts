/**
 * An AuditSink that batches download events into the store. `record` never blocks or throws:
 * events are capped (src/store/audit-policy.ts) and wait in a bounded ring; when it is full the
 * oldest are dropped and counted (a flood of refused requests must not exhaust memory or stall
 * serving). Anonymous refusals that share an aggregation key while they wait are coalesced
 * into one queued entry with a count, so a flood costs one entry and one upsert per key.
 * Flushes every `flushMs`, as soon as a batch is full, and on close.
 */
import type { AuditSink } from '../contracts/audit-sink.js';
import { aggregateKey, capEvent } from './audit-policy.js';
import { StoreError } from './errors.js';
import { RingBuffer } from './ring-buffer.js';
import type { AuditEventInput, Store } from './types.js';

/** Minimal logger (pino-compatible) for drop and failure warnings. */
export interface SinkLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** Options for `storeAuditSink`. */
export interface StoreAuditSinkOptions {
  /** Events per insert. Default 200. */
  batchSize?: number;
  /** Longest an event waits before being written. Default 1000 ms. */
  flushMs?: number;
  /** Most events held in memory. Default 10 000. */
  maxQueue?: number;
  logger?: SinkLogger;
}

/** The sink plus its counters and an explicit flush (for tests and shutdown). */
export interface StoreAuditSink extends AuditSink {
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Events (requests) dropped because the queue was full or the store kept failing. */
  readonly dropped: number;
  /** Events waiting to be written. */
  readonly pending: number;
}

/** Requests a list of queued entries stands for (a coalesced entry counts each of its requests). */
const requestsIn = (entries: readonly AuditEventInput[]): number =>
  entries.reduce((n, e) => n + (e.count ?? 1), 0);

/**
 * Creates a batched, bounded audit sink over `store.audit.insert`.
 * @example const sink = storeAuditSink(store, { logger }); sink.record(event); await sink.close();
 */
export function storeAuditSink(store: Store, opts: StoreAuditSinkOptions = {}): StoreAuditSink {
  const batchSize = opts.batchSize ?? 200;
  const flushMs = opts.flushMs ?? 1000;
  const queue = new RingBuffer<AuditEventInput>(opts.maxQueue ?? 10_000);
  // Queued aggregate entries by key; an entry leaves the map when it leaves the queue.
  const waiting = new Map<string, AuditEventInput>();
  const forget = (entry: AuditEventInput): void => {
    const key = aggregateKey(entry);
    if (key !== null && waiting.get(key) === entry) waiting.delete(key);
  };
  let dropped = 0;
  let droppedUnlogged = 0;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let closed = false;

  // Queue-full drops are logged once per flush (a flood would otherwise flood the log too).
  const drop = (n: number, reason: string, err?: unknown): void => {
    dropped += n;
    droppedUnlogged += n;
    if (reason !== 'queue full') logDrops(reason, err);
  };
  const logDrops = (reason: string, err?: unknown): void => {
    if (droppedUnlogged === 0) return;
    const fields = { dropped: droppedUnlogged, total: dropped, ...(err ? { err } : {}) };
    opts.logger?.warn(fields, `audit events dropped: ${reason}`);
    droppedUnlogged = 0;
  };

  const writeAll = async (): Promise<void> => {
    logDrops('queue full');
    while (queue.size > 0) {
      const batch = queue.take(batchSize);
      for (const entry of batch) forget(entry);
      try {
        await store.audit.insert(batch);
      } catch (err) {
        if (err instanceof StoreError && err.code === 'STORE_UNAVAILABLE') {
          opts.logger?.warn({ err, events: batch.length }, 'audit write failed; will retry');
          // unshiftAll puts back from the newest; the entries that did not fit are the oldest.
          const lost = queue.unshiftAll(batch);
          if (lost) drop(requestsIn(batch.slice(0, lost)), 'store failing and queue full');
          return;
        }
        // Anything else is a bad event, not a bad store: retrying the batch would block the
        // queue forever, so write the events one by one and drop only those that fail.
        await writeOneByOne(batch, err);
      }
    }
  };

  const writeOneByOne = async (batch: AuditEventInput[], cause: unknown): Promise<void> => {
    let bad = 0;
    for (const event of batch) {
      try {
        await store.audit.insert([event]);
      } catch {
        bad += event.count ?? 1;
      }
    }
    if (bad) drop(bad, 'refused by the store', cause);
  };

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    flushing ??= writeAll().finally(() => {
      flushing = undefined;
      if (queue.size > 0 && !closed) schedule(flushMs);
    });
    return flushing;
  };

  // A full batch replaces a pending long timer with an immediate one; a running flush
  // reschedules itself when it finishes.
  let timerDue = 0;
  const schedule = (ms: number): void => {
    if (flushing) return;
    const due = Date.now() + ms;
    if (timer && timerDue <= due) return;
    if (timer) clearTimeout(timer);
    timerDue = due;
    timer = setTimeout(() => void flush(), ms);
    timer.unref();
  };

  const enqueue = (entry: AuditEventInput): void => {
    const key = aggregateKey(entry);
    const same = key === null ? undefined : waiting.get(key);
    if (same) {
      same.count = (same.count ?? 1) + 1;
      same.lastTime = Math.max(same.lastTime ?? same.time, entry.time);
      return;
    }
    const evicted = queue.push(entry);
    if (key !== null) waiting.set(key, entry);
    if (evicted) {
      forget(evicted);
      drop(evicted.count ?? 1, 'queue full');
    }
  };

  return {
    record(event) {
      try {
        if (closed) return drop(1, 'sink closed');
        // Attributed by the verifying key's configuration id, carried as a field from the key
        // source (src/store/key-source.ts); a key file's label never makes an attribution.
        enqueue(capEvent({ ...event, configurationId: event.configurationId ?? null }));
        schedule(queue.size >= batchSize ? 0 : flushMs);
      } catch {
        // record must never throw into the request path.
      }
    },
    flush,
    async close() {
      closed = true;
      await flush();
      // A write that failed during close gets one more try; after that the events are lost.
      if (queue.size > 0) await flush();
      if (queue.size > 0) drop(requestsIn(queue.take(queue.size)), 'store unavailable at close');
    },
    get dropped() {
      return dropped;
    },
    get pending() {
      return queue.size;
    },
  };
}
