/**
 * Placeholder of the local-disk backend so `open.ts` has its disk branch; the catalog work
 * (helper s3catalog) replaces this file with the real `createDiskStorage`.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type {
  ContentStorage,
  OpenedObject,
  StoredObjectInfo,
} from '../contracts/content-storage.js';

/**
 * `ContentStorage` on a directory: keys are paths under `root`; anything that resolves outside
 * it (through symlinks) or is not a regular file is absent.
 */
export function createDiskStorage(root: string): ContentStorage {
  const inside = async (path: string): Promise<string | undefined> => {
    const realRoot = await realpath(root);
    const real = await realpath(join(realRoot, ...path.split('/'))).catch(() => undefined);
    return real?.startsWith(realRoot + sep) ? real : undefined;
  };
  const statOf = async (path: string): Promise<StoredObjectInfo | undefined> => {
    const real = await inside(path);
    if (real === undefined) return undefined;
    const s = await stat(real).catch(() => undefined);
    if (!s?.isFile()) return undefined;
    return { path, size: s.size, mtimeMs: s.mtimeMs, identity: String(s.ino) };
  };
  return {
    stat: statOf,
    async open(path): Promise<OpenedObject | undefined> {
      const info = await statOf(path);
      const real = info && (await inside(path));
      if (!info || !real) return undefined;
      const handle = await open(real, 'r');
      return {
        info,
        async read(offset, length) {
          const buffer = Buffer.alloc(Math.max(0, Math.min(length, info.size - offset)));
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
          return buffer.subarray(0, bytesRead);
        },
        stream: (range) =>
          createReadStream('', {
            fd: handle.fd,
            autoClose: false,
            start: range?.start ?? 0,
            end: range?.end ?? Math.max(0, info.size - 1),
          }),
        close: () => handle.close(),
      };
    },
    async *list(options = {}) {
      const limit = options.limit ?? Number.POSITIVE_INFINITY;
      let count = 0;
      const walk = async function* (dir: string): AsyncGenerator<StoredObjectInfo> {
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          const full = join(dir, entry.name);
          if (entry.isDirectory()) yield* walk(full);
          else if (entry.isFile()) {
            const path = relative(root, full).split(sep).join('/');
            if (options.prefix && !path.startsWith(options.prefix)) continue;
            const s = await stat(full);
            yield { path, size: s.size, mtimeMs: s.mtimeMs, identity: String(s.ino) };
          }
        }
      };
      for await (const info of walk(root)) {
        if (count++ >= limit) return;
        yield info;
      }
    },
    async put(path, body) {
      const target = join(root, ...path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.upload-${process.pid}-${Date.now()}`;
      const handle = await open(temp, 'wx');
      try {
        for await (const chunk of body) await handle.write(chunk);
      } finally {
        await handle.close();
      }
      await rename(temp, target);
      return (await statOf(path))!;
    },
    async delete(path) {
      const real = await inside(path);
      if (real === undefined) return false;
      await rm(real);
      return true;
    },
    createFolder: async (path) => {
      await mkdir(join(root, ...path.split('/')), { recursive: true });
    },
    describe: () => 'disk',
  };
}
