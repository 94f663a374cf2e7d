/**
 * Past a handful of concurrent downloads the file route switches from read streams with a large
 * read-ahead to one reused buffer per download (src/server/file-route.ts). These tests hold more
 * downloads open at once than that switch point, so both ways run, and check what a user relies
 * on: identical bytes, ranges, no leaked descriptors, no hang when the file changes underneath.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { truncate, writeFile } from 'node:fs/promises';
import { Agent, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import { eventually } from '../helpers/wait.js';
import {
  openDownload as get,
  makeKey,
  removeDir,
  sign,
  startQuiet,
  type TestKey,
  tempDir,
} from './serve-helpers.js';

const SIZE = 8 * 1024 * 1024;
const CONCURRENT = 40;
let dir: string;
let key: TestKey;
let data: Buffer;
let server: RunningServer;

beforeAll(async () => {
  key = makeKey();
  dir = await tempDir();
  data = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i += 512) data.writeUInt32BE(i, i);
  await writeFile(join(dir, 'Big.pkg'), data);
  server = await startQuiet({
    root: dir,
    keySource: { load: async () => [{ key: key.publicKey }], describe: () => 'k' },
  });
});

afterAll(async () => {
  await server?.close();
  await removeDir(dir);
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const openFds = () => readdirSync('/proc/self/fd').length;

/**
 * Reads a response to its end. A response the server already cut may have emitted 'close' before
 * this is called (server and client share this event loop, and a read that saw a shrunken file
 * can complete before the truncate's own callback runs), so a closed one resolves at once instead
 * of waiting for a 'close' that will not come again.
 */
function body(res: IncomingMessage): Promise<{ bytes: Buffer; complete: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const done = () => resolve({ bytes: Buffer.concat(chunks), complete: res.complete });
    if (res.closed) {
      done();
      return;
    }
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('close', done);
    res.resume();
  });
}

describe('many concurrent downloads', () => {
  it('are all byte-identical, whole files and ranges alike', async () => {
    const url = `${server.url}/Big.pkg?token=${sign(key)}`;
    const ranges = Array.from({ length: CONCURRENT }, (_, i) =>
      i % 3 === 0 ? { start: i * 12_345, end: SIZE - 1 - i * 777 } : null,
    );
    // Every response is open (headers in, client not reading) before any is read to the end.
    const responses = await Promise.all(
      ranges.map((r) => get(url, r ? { range: `bytes=${r.start}-${r.end}` } : {})),
    );
    const bodies = await Promise.all(responses.map(body));
    bodies.forEach(({ bytes, complete }, i) => {
      const r = ranges[i];
      expect(complete, `download ${i}`).toBe(true);
      expect(responses[i]!.statusCode).toBe(r ? 206 : 200);
      expect(sha(bytes), `download ${i}`).toBe(sha(r ? data.subarray(r.start, r.end + 1) : data));
    });
  });

  it('leak no file descriptors when clients abort midway', async () => {
    const url = `${server.url}/Big.pkg?token=${sign(key)}`;
    await body(await get(url, { range: 'bytes=0-0' }));
    const baseline = openFds();
    const responses = await Promise.all(Array.from({ length: CONCURRENT }, () => get(url)));
    await Promise.all(
      responses.map(
        (res) =>
          new Promise<void>((resolve) => {
            res.once('data', () => {
              res.destroy();
              resolve();
            });
          }),
      ),
    );
    await eventually(() => openFds() <= baseline);
    expect(openFds()).toBeLessThanOrEqual(baseline);
  });

  it('cut a download short, never hang, when the file shrinks underneath', async () => {
    // Larger than loopback socket buffers can absorb, so no download can be over yet.
    const name = 'Shrinking.pkg';
    const big = 256 * 1024 * 1024;
    await writeFile(join(dir, name), '');
    await truncate(join(dir, name), big);
    const url = `${server.url}/${name}?token=${sign(key)}`;
    const responses = await Promise.all(Array.from({ length: CONCURRENT }, () => get(url)));
    await truncate(join(dir, name), 1024);
    const bodies = await Promise.all(responses.map(body));
    for (const { bytes, complete } of bodies) {
      // Content-Length promised the old size: a shorter body must end as an aborted response.
      expect(bytes.length).toBeLessThan(big);
      expect(complete).toBe(false);
    }
  });
});

/** A server whose own timeouts (60 s) are far longer than any test: only the shutdown sweep ends sockets. */
const startLongLived = () =>
  startQuiet({
    root: dir,
    admin: false,
    keepAliveTimeout: 60,
    shutdownTimeout: 60,
    keySource: { load: async () => [{ key: key.publicKey }], describe: () => 'k' },
  });

describe('shutdown with keep-alive clients', () => {
  it('lets downloads finish, then closes their idle keep-alive connections at once', async () => {
    const other = await startLongLived();
    const agent = new Agent({ keepAlive: true });
    try {
      const url = `${other.url}/Big.pkg?token=${sign(key)}`;
      const responses = await Promise.all(Array.from({ length: 4 }, () => get(url, {}, agent)));
      const started = Date.now();
      const closing = other.close();
      const bodies = await Promise.all(responses.map(body));
      for (const { bytes } of bodies) expect(sha(bytes)).toBe(sha(data));
      await closing;
      // Without the sweep the server would wait for the 60 s keep-alive timeout.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      agent.destroy();
    }
  });

  it('keeps the last bytes of a slowly read download when shutdown starts', async () => {
    const other = await startLongLived();
    const agent = new Agent({ keepAlive: true });
    try {
      const res = await get(`${other.url}/Big.pkg?token=${sign(key)}`, {}, agent);
      const closing = other.close();
      // A slow reader keeps the socket's buffers full, so the last chunk is still queued in the
      // process when the file has been read to its end, while the idle sweep runs every 50 ms.
      const chunks: Buffer[] = [];
      await new Promise<void>((resolve) => {
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          res.pause();
          setTimeout(() => res.resume(), 2);
        });
        res.on('close', () => resolve());
      });
      expect(res.complete).toBe(true);
      expect(sha(Buffer.concat(chunks))).toBe(sha(data));
      await closing;
    } finally {
      agent.destroy();
    }
  });
});
