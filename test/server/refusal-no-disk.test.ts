import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import { type FileSystem, nodeFileSystem } from '../../src/server/files.js';
import { makeKey, removeDir, sign, startQuiet, type TestKey, tempDir } from './serve-helpers.js';

// Every disk access of the content routes goes through this spy.
const calls: string[] = [];
const spyFs: FileSystem = {
  realpath: (p) => {
    calls.push(`realpath ${p}`);
    return nodeFileSystem.realpath(p);
  },
  stat: (p) => {
    calls.push(`stat ${p}`);
    return nodeFileSystem.stat(p);
  },
  open: (p) => {
    calls.push(`open ${p}`);
    return nodeFileSystem.open(p);
  },
};

let dir: string;
let key: TestKey;
let stranger: TestKey;
let server: RunningServer;

beforeAll(async () => {
  key = makeKey();
  stranger = makeKey();
  dir = await tempDir();
  await mkdir(join(dir, 'apps'));
  await writeFile(join(dir, 'apps', 'App.ipa'), 'x'.repeat(100_000));
  server = await startQuiet({
    root: dir,
    keySource: {
      load: async () => [{ key: key.publicKey, label: 'test' }],
      describe: () => 'test key',
    },
    fileSystem: spyFs,
  });
});

afterAll(async () => {
  await server?.close();
  await removeDir(dir);
});

beforeEach(() => {
  calls.length = 0;
});

describe('a refused request never touches the disk', () => {
  it.each([
    ['no token', ''],
    ['foreign signature', '?token=STRANGER'],
    ['expired token', '?token=EXPIRED'],
    ['garbage token', '?token=a.b.c'],
  ])('%s', async (_n, query) => {
    const q = query
      .replace('STRANGER', sign(stranger))
      .replace('EXPIRED', sign(key, { expiresIn: 60, now: Math.floor(Date.now() / 1000) - 7200 }));
    for (const p of ['/apps/App.ipa', '/apps/Missing.ipa']) {
      const res = await fetch(`${server.url}${p}${q}`, { headers: { range: 'bytes=0-10' } });
      expect(res.status).toBe(401);
      await res.arrayBuffer();
    }
    expect(calls).toEqual([]);
  });

  it('a valid token does reach the disk (the spy is wired)', async () => {
    const res = await fetch(`${server.url}/apps/App.ipa?token=${sign(key)}`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(calls.some((c) => c.startsWith('open '))).toBe(true);
  });
});
