import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const SIZE = 32 * 1024 * 1024;
let dir: string;
let key: TestKey;
let digest: string;

beforeAll(async () => {
  key = makeKey();
  dir = await tempDir();
  const data = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i += 4096) data[i] = i & 0xff;
  digest = createHash('sha256').update(data).digest('hex');
  await writeFile(join(dir, 'Big.pkg'), data);
});
afterAll(() => removeDir(dir));

const keySource = () => ({ load: async () => [{ key: key.publicKey }], describe: () => 'k' });
const openFds = () => readdirSync('/proc/self/fd').length;

describe('client aborts', () => {
  it('leak no file descriptors after many aborted downloads', async () => {
    const server = await startQuiet({ root: dir, keySource: keySource() });
    try {
      const url = `${server.url}/Big.pkg?token=${sign(key)}`;
      const warm = await get(url, { range: 'bytes=0-0' });
      warm.resume();
      await new Promise((r) => warm.on('end', r));
      await eventually(() => true);
      const baseline = openFds();
      for (let i = 0; i < 40; i++) {
        const res = await get(url, i % 2 ? { range: `bytes=${i * 1000}-` } : {});
        await new Promise<void>((resolve) => {
          res.once('data', () => {
            res.destroy();
            resolve();
          });
        });
      }
      await eventually(() => openFds() <= baseline);
      expect(openFds()).toBeLessThanOrEqual(baseline);
    } finally {
      await server.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('lets a running download finish, refuses new connections, then resolves', async () => {
    const server = await startQuiet({ root: dir, keySource: keySource(), shutdownTimeout: 60 });
    const url = `${server.url}/Big.pkg?token=${sign(key)}`;
    const res = await get(url);
    res.pause();
    let closed = false;
    const closing = server.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(false);
    await expect(get(url)).rejects.toThrow(/ECONNREFUSED/);
    const hash = createHash('sha256');
    res.on('data', (c: Buffer) => hash.update(c));
    res.resume();
    await new Promise((r) => res.on('end', r));
    expect(hash.digest('hex')).toBe(digest);
    await closing;
    expect(closed).toBe(true);
  });

  it('cuts downloads still running when shutdownTimeout passes', async () => {
    const server = await startQuiet({ root: dir, keySource: keySource(), shutdownTimeout: 1 });
    const res = await get(`${server.url}/Big.pkg?token=${sign(key)}`);
    res.pause(); // a client that stopped reading
    const aborted = new Promise<boolean>((resolve) => {
      res.on('close', () => resolve(!res.complete));
    });
    await server.close();
    res.resume();
    expect(await aborted).toBe(true);
  });
});
