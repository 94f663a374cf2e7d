import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentFiles } from '../../src/server/files.js';
import { Lru } from '../../src/server/lru.js';
import { removeDir, tempDir } from './serve-helpers.js';

let dir: string;
let root: string;

beforeAll(async () => {
  dir = await tempDir();
  root = join(dir, 'root');
  await mkdir(join(root, 'sub'), { recursive: true });
  await writeFile(join(root, 'small.txt'), 'one');
  await writeFile(join(root, 'large.bin'), Buffer.alloc(100_000, 3));
  await writeFile(join(dir, 'secret.txt'), 'secret');
  await symlink(join(dir, 'secret.txt'), join(root, 'out.txt'));
  await symlink(join(root, 'small.txt'), join(root, 'sub', 'in.txt'));
});
afterAll(() => removeDir(dir));

describe('ContentFiles', () => {
  it('serves small files from memory and sees changes (cache keyed by size, mtime and inode)', async () => {
    const files = new ContentFiles(root, {
      smallFileMaxBytes: 64 * 1024,
      smallFileCacheBytes: 1024 * 1024,
    });
    await files.init();
    expect((await files.resolve(['small.txt']))?.bytes?.toString()).toBe('one');
    expect((await files.resolve(['small.txt']))?.bytes?.toString()).toBe('one');
    expect(files.hits).toBe(1);
    await writeFile(join(root, 'small.txt'), 'two!');
    await utimes(join(root, 'small.txt'), new Date(), new Date(Date.now() + 5000));
    expect((await files.resolve(['small.txt']))?.bytes?.toString()).toBe('two!');
  });

  it('opens large files as handles, and refuses directories, escapes and missing files', async () => {
    const files = new ContentFiles(root, {
      smallFileMaxBytes: 64 * 1024,
      smallFileCacheBytes: 1024 * 1024,
    });
    await files.init();
    const large = await files.resolve(['large.bin']);
    expect(large?.size).toBe(100_000);
    expect(large?.handle).toBeDefined();
    await large?.handle?.close();
    expect(await files.resolve(['sub'])).toBeNull();
    expect(await files.resolve(['out.txt'])).toBeNull();
    expect(await files.resolve(['missing.txt'])).toBeNull();
    expect(await files.resolve([])).toBeNull();
    expect((await files.resolve(['sub', 'in.txt']))?.bytes).toBeDefined();
  });

  it('within the revalidation window answers from memory without touching the disk', async () => {
    let calls = 0;
    const counting = {
      realpath: async (p: string) => {
        calls++;
        return (await import('node:fs/promises')).realpath(p);
      },
      stat: async (p: string) => {
        calls++;
        return (await import('node:fs/promises')).stat(p);
      },
      open: async (p: string) => {
        calls++;
        return (await import('node:fs/promises')).open(p);
      },
    };
    const files = new ContentFiles(root, {
      fs: counting,
      smallFileMaxBytes: 64 * 1024,
      smallFileCacheBytes: 1024 * 1024,
      revalidateMs: 60_000,
    });
    await files.init();
    await files.resolve(['small.txt']);
    const after = calls;
    for (let i = 0; i < 5; i++) await files.resolve(['small.txt']);
    expect(calls).toBe(after);
  });
});

describe('Lru', () => {
  it('evicts least recently used entries by count and by weight', () => {
    const byCount = new Lru<string, number>(2);
    byCount.set('a', 1);
    byCount.set('b', 2);
    byCount.get('a');
    byCount.set('c', 3);
    expect([byCount.get('a'), byCount.get('b'), byCount.get('c')]).toEqual([1, undefined, 3]);
    const byWeight = new Lru<string, string>(100, 10);
    byWeight.set('x', 'x', 6);
    byWeight.set('y', 'y', 6);
    expect(byWeight.get('x')).toBeUndefined();
    expect(byWeight.weight).toBe(6);
    byWeight.set('huge', 'h', 11); // heavier than the whole budget: never stored
    expect(byWeight.get('huge')).toBeUndefined();
  });
});
