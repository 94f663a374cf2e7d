/**
 * The large-file read gate (src/server/read-gate.ts): at most `limit` reads reach the thread pool at
 * once, the rest run in arrival order, and a failing read frees its slot. Through HTTP, 100
 * concurrent downloads never have more reads in flight than that (what the user sees — first bytes
 * within a second for 5,000 slow downloads — is measured by bench:serve (d)).
 */
import { writeFile } from 'node:fs/promises';
import { Agent, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import { type FileSystem, nodeFileSystem } from '../../src/server/files.js';
import { READS_IN_FLIGHT, ReadGate } from '../../src/server/read-gate.js';
import { makeKey, openDownload, removeDir, sign, startQuiet, tempDir } from './serve-helpers.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ReadGate', () => {
  it('runs at most `limit` reads at once and the rest first in, first out', async () => {
    const gate = new ReadGate(2);
    const reads = Array.from({ length: 5 }, () => deferred<number>());
    const order: number[] = [];
    const done = reads.map((d, i) =>
      gate.run(() => {
        order.push(i);
        return d.promise;
      }),
    );
    expect(gate.running).toBe(2);
    expect(gate.waiting).toBe(3);
    expect(order).toEqual([0, 1]);
    reads[1]!.resolve(1);
    await done[1];
    expect(order).toEqual([0, 1, 2]);
    reads[0]!.reject(new Error('EIO'));
    await expect(done[0]).rejects.toThrow('EIO');
    expect(order).toEqual([0, 1, 2, 3]);
    for (const d of reads.slice(2)) d.resolve(0);
    await Promise.all(done.slice(2));
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(gate.running).toBe(0);
    expect(gate.waiting).toBe(0);
  });

  it('a read that throws synchronously frees its slot', async () => {
    const gate = new ReadGate(1);
    await expect(
      gate.run(() => {
        throw new Error('bad handle');
      }),
    ).rejects.toThrow('bad handle');
    await expect(gate.run(async () => 7)).resolves.toBe(7);
  });
});

describe('large-file reads through HTTP', () => {
  let dir: string;
  let server: RunningServer;
  let token: string;
  let running = 0;
  let most = 0;
  const agent = new Agent({ keepAlive: false, maxSockets: 1000 });

  beforeAll(async () => {
    dir = await tempDir();
    const key = makeKey();
    await writeFile(join(dir, 'pub.pem'), key.publicPem);
    await writeFile(join(dir, 'big.bin'), Buffer.alloc(8 * 1024 * 1024, 1));
    token = sign(key);
    // The real disk, with every file handle's reads counted while they are in flight.
    const fileSystem: FileSystem = {
      ...nodeFileSystem,
      open: async (p) => {
        const handle = await nodeFileSystem.open(p);
        const read = handle.read.bind(handle) as (...a: unknown[]) => Promise<unknown>;
        (handle as unknown as { read: unknown }).read = async (...args: unknown[]) => {
          running++;
          most = Math.max(most, running);
          try {
            return await read(...args);
          } finally {
            running--;
          }
        };
        return handle;
      },
    };
    server = await startQuiet({
      root: dir,
      keys: [join(dir, 'pub.pem')],
      admin: false,
      fileSystem,
    });
  });

  afterAll(async () => {
    agent.destroy();
    await server.close();
    await removeDir(dir);
  });

  it(`never hand the thread pool more than ${READS_IN_FLIGHT} reads at once, however many downloads run`, async () => {
    const url = `${server.url}/big.bin?token=${token}`;
    const all: IncomingMessage[] = await Promise.all(
      Array.from({ length: 100 }, () => openDownload(url, {}, agent)),
    );
    // Everyone reads, so every download keeps asking for refills.
    const bytes = await Promise.all(
      all.map(
        (res) =>
          new Promise<number>((resolve) => {
            let n = 0;
            res.on('data', (c: Buffer) => {
              n += c.length;
            });
            res.on('end', () => resolve(n));
          }),
      ),
    );
    expect(bytes.every((n) => n === 8 * 1024 * 1024)).toBe(true);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(READS_IN_FLIGHT);
  }, 60_000);
});
