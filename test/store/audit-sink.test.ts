/** The batched audit sink: batching, flush on close, bounded queue under a flood, store failures. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { storeAuditSink } from '../../src/store/audit-sink.js';
import { StoreError } from '../../src/store/errors.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { downloadEvent } from './contract.js';

const root = mkdtempSync(join(tmpdir(), 'portcullis-sink-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
let store: Store;
beforeEach(() => {
  store = openSqliteStore({ dataDir: join(root, `d${++n}`) });
});
afterEach(async () => {
  await store.close();
});

const countAll = async () => {
  let total = 0;
  let cursor: string | undefined;
  do {
    const page = await store.audit.query({ limit: 1000, cursor });
    total += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return total;
};

describe('storeAuditSink', () => {
  it('writes in batches, not one insert per event, and flushes the rest on close', async () => {
    const insert = vi.spyOn(store.audit, 'insert');
    const sink = storeAuditSink(store, { batchSize: 10, flushMs: 60_000 });
    for (let i = 0; i < 25; i++) sink.record(downloadEvent({ bytesSent: i }));
    expect(sink.pending).toBe(25);
    await sink.close();
    expect(insert.mock.calls.map((c) => c[0].length)).toEqual([10, 10, 5]);
    const { items } = await store.audit.query({ limit: 1000 });
    expect(items.map((e) => e.bytesSent)).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i));
    expect(sink.dropped).toBe(0);
  });

  it('flushes on its own once a batch is full, without waiting for the timer', async () => {
    const sink = storeAuditSink(store, { batchSize: 5, flushMs: 60_000 });
    for (let i = 0; i < 5; i++) sink.record(downloadEvent());
    await vi.waitFor(async () => expect(await countAll()).toBe(5));
    await sink.close();
  });

  it('flushes a partial batch after flushMs', async () => {
    const sink = storeAuditSink(store, { batchSize: 100, flushMs: 10 });
    sink.record(downloadEvent());
    await vi.waitFor(async () => expect(await countAll()).toBe(1));
    await sink.close();
  });

  it('survives a flood: keeps at most maxQueue, drops the oldest, counts and logs', async () => {
    const warn = vi.fn();
    const sink = storeAuditSink(store, {
      batchSize: 500,
      flushMs: 60_000,
      maxQueue: 1000,
      logger: { warn },
    });
    // record() is synchronous and writes happen later, so one burst fills the queue.
    for (let i = 0; i < 50_000; i++) sink.record(downloadEvent({ bytesSent: i }));
    expect(sink.pending).toBe(1000);
    expect(sink.dropped).toBe(49_000);
    await sink.close();
    const { items } = await store.audit.query({ limit: 1 });
    expect(items[0]!.bytesSent).toBe(49_999);
    expect(await countAll()).toBe(1000);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ dropped: 49_000 }),
      expect.stringContaining('dropped'),
    );
  });

  it('coalesces anonymous refusals while they wait and caps what it queues', async () => {
    const insert = vi.spyOn(store.audit, 'insert');
    const sink = storeAuditSink(store, { batchSize: 500, flushMs: 60_000, maxQueue: 1000 });
    const minute = 1_700_000_040_000;
    for (let i = 0; i < 50_000; i++) {
      sink.record(
        downloadEvent({
          time: minute + (i % 60_000),
          status: 401,
          outcome: 'TOKEN_MISSING',
          path: `/${i}/${'p'.repeat(3700)}`,
          userAgent: 'u'.repeat(600),
        }),
      );
    }
    // One queued entry stands for all of them: nothing is dropped, memory stays flat.
    expect(sink.pending).toBe(1);
    expect(sink.dropped).toBe(0);
    sink.record(downloadEvent({ path: `/ok/${'q'.repeat(5000)}` }));
    expect(sink.pending).toBe(2);
    await sink.close();
    expect(insert.mock.calls.map((c) => c[0].length)).toEqual([2]);
    const [queued] = insert.mock.calls[0]![0];
    expect(queued!.path.length).toBeLessThanOrEqual(256);
    expect(queued!.userAgent!.length).toBeLessThanOrEqual(128);
    const { items } = await store.audit.query({});
    expect(items.map((e) => e.count)).toEqual([1, 50_000]);
    expect(items[1]).toMatchObject({ aggregated: true, lastTime: minute + 49_999 });
    expect(items[0]!.path.length).toBe(1024);
  });

  it('counts every request of a coalesced entry it has to drop', async () => {
    const sink = storeAuditSink(store, { batchSize: 500, flushMs: 60_000, maxQueue: 2 });
    const refusal = { status: 401, outcome: 'TOKEN_MISSING' };
    for (let i = 0; i < 10; i++)
      sink.record(downloadEvent({ ...refusal, clientAddress: '192.0.2.1' }));
    sink.record(downloadEvent({ ...refusal, clientAddress: '192.0.2.2' }));
    sink.record(downloadEvent({ ...refusal, clientAddress: '192.0.2.3' })); // evicts the first
    expect(sink.dropped).toBe(10);
    // The evicted entry is forgotten: a new refusal from that client starts a fresh entry.
    sink.record(downloadEvent({ ...refusal, clientAddress: '192.0.2.1' }));
    expect(sink.dropped).toBe(11);
    await sink.close();
    const { items } = await store.audit.query({});
    expect(items.map((e) => [e.clientAddress, e.count])).toEqual([
      ['192.0.2.1', 1],
      ['192.0.2.3', 1],
    ]);
  });

  it('never throws from record, keeps events while the store is unavailable, drops after close', async () => {
    const warn = vi.fn();
    const sink = storeAuditSink(store, { batchSize: 2, flushMs: 60_000, logger: { warn } });
    const insert = vi
      .spyOn(store.audit, 'insert')
      .mockRejectedValueOnce(new StoreError('STORE_UNAVAILABLE'));
    sink.record(downloadEvent());
    sink.record(downloadEvent());
    await sink.flush();
    expect(sink.pending).toBe(2);
    expect(warn).toHaveBeenCalled();
    await sink.close();
    insert.mockRestore();
    expect(await countAll()).toBe(2);
    sink.record(downloadEvent());
    expect(sink.dropped).toBe(1);
  });

  it('drops only the events the store refuses, so one bad event cannot block the queue', async () => {
    const warn = vi.fn();
    const sink = storeAuditSink(store, { batchSize: 10, flushMs: 60_000, logger: { warn } });
    sink.record(downloadEvent({ bytesSent: 1 }));
    sink.record({ ...downloadEvent(), via: undefined } as never);
    sink.record(downloadEvent({ bytesSent: 3 }));
    await sink.flush();
    expect(sink.pending).toBe(0);
    expect(sink.dropped).toBe(1);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ dropped: 1 }),
      expect.stringContaining('refused'),
    );
    const { items } = await store.audit.query({});
    expect(items.map((e) => e.bytesSent)).toEqual([3, 1]);
    await sink.close();
  });

  it('attributes events to the configuration id the verifying key carries, never to a label', async () => {
    const sink = storeAuditSink(store);
    const id = '3f2b8c1e-0000-4000-8000-000000000001';
    sink.record(downloadEvent({ keyLabel: id, configurationId: id }));
    sink.record(downloadEvent({ keyLabel: 'jamf.pub' }));
    // A key file may be named like a configuration id: its label attributes nothing.
    sink.record(downloadEvent({ keyLabel: '3f2b8c1e-0000-4000-8000-000000000002' }));
    await sink.close();
    expect((await store.audit.query({ configurationId: id })).items).toHaveLength(1);
    const lookalike = '3f2b8c1e-0000-4000-8000-000000000002';
    expect((await store.audit.query({ configurationId: lookalike })).items).toHaveLength(0);
  });
});
