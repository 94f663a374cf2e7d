/**
 * The local-disk backend of the ContentStorage port: content files under one root directory.
 * It keeps the protections the listener and the catalog had when they used node:fs directly:
 * a key never resolves (through `..` or a symlink) outside the root, a FIFO or device placed in
 * the root never hangs a read (O_NONBLOCK, then only regular files), writes go to a private temp
 * file in `<root>/.portcullis-tmp/` and are renamed into place, and no error carries an absolute
 * path (every fs error is reduced to its errno, in a StorageError: STORAGE_PATH_REFUSED for a
 * key that leaves the root or runs through a file, STORAGE_FAILED otherwise).
 */
import { randomBytes } from 'node:crypto';
import type { Dirent, Stats } from 'node:fs';
import { constants, createWriteStream } from 'node:fs';
import {
  type FileHandle,
  lstat,
  mkdir,
  open,
  readdir,
  realpath,
  rename,
  stat,
  unlink,
} from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type {
  ContentStorage,
  OpenedObject,
  StoredObjectInfo,
} from '../contracts/content-storage.js';
import { StorageError } from './errors.js';

/** Name of the temp directory inside the content root (a dot-directory serve never hands out). */
export const DISK_TEMP_DIR = '.portcullis-tmp';
/** Temp files older than this are left by a crash; a full listing removes them. */
const STALE_TEMP_MS = 3_600_000;
/** Deepest folder a listing descends into. */
const MAX_DEPTH = 32;
/** Chunk size of {@link OpenedObject.stream} on disk. */
const STREAM_CHUNK = 1024 * 1024;

const refused = (why: string) => new StorageError('STORAGE_PATH_REFUSED', why);

/** Reduces an fs error to its errno, dropping the absolute path Node puts in the message. */
function scrub(err: unknown): Error {
  if (err instanceof StorageError) return err;
  const errno = (err as NodeJS.ErrnoException)?.code ?? 'EIO';
  return new StorageError('STORAGE_FAILED', `The disk storage failed (${errno}).`);
}

/** Splits a key into path segments, refusing anything that is not a plain relative key. */
function segmentsOf(path: string): string[] {
  const segments = path.split('/');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..' || s.includes('\0') || s.includes('\\')) {
      throw refused('The key is not a plain relative path.');
    }
  }
  // The temp directory is the backend's own; no key reaches into it.
  if (segments[0] === DISK_TEMP_DIR) throw refused('The key is reserved.');
  return segments;
}

function isInside(realRoot: string, real: string): boolean {
  const rel = relative(realRoot, real);
  return rel === '' || !(rel === '..' || rel.startsWith(`..${sep}`) || rel.startsWith(sep));
}

function infoOf(path: string, s: Stats): StoredObjectInfo {
  return {
    path,
    size: s.size,
    mtimeMs: Math.floor(s.mtimeMs),
    identity: `${s.dev.toString(36)}-${s.ino.toString(36)}`,
  };
}

/**
 * Content bytes in a directory on local disk.
 * @example const storage = createDiskStorage('/srv/content'); await storage.stat('apps/a.ipa');
 */
export function createDiskStorage(root: string): ContentStorage {
  let realRootCache: string | undefined;
  const realRoot = async (): Promise<string> => {
    realRootCache ??= await realpath(root).catch((err) => {
      throw scrub(err);
    });
    return realRootCache;
  };
  /** A write makes the root itself (as `serve --data` expects `<data>/content` to appear). */
  const writableRoot = async (): Promise<string> => {
    if (realRootCache === undefined) await mkdir(root, { recursive: true }).catch(() => {});
    return realRoot();
  };

  /** The real path of a key when it exists inside the root; undefined otherwise. */
  const resolveKey = async (path: string): Promise<string | undefined> => {
    let segments: string[];
    try {
      segments = segmentsOf(path);
    } catch {
      return undefined; // absence and refusal look alike to a reader
    }
    const base = await realRoot().catch(() => undefined);
    if (base === undefined) return undefined;
    const real = await realpath(join(base, ...segments)).catch(() => undefined);
    return real !== undefined && isInside(base, real) ? real : undefined;
  };

  return {
    async stat(path) {
      const real = await resolveKey(path);
      if (real === undefined) return undefined;
      const s = await stat(real).catch(() => undefined);
      return s?.isFile() ? infoOf(path, s) : undefined;
    },

    async open(path) {
      const real = await resolveKey(path);
      if (real === undefined) return undefined;
      // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer.
      // O_NOFOLLOW: the resolved name ends in no link; if one was swapped in since, refuse it.
      const fh = await open(
        real,
        constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0),
      ).catch(() => undefined);
      if (!fh) return undefined;
      const s = await fh.stat().catch(() => undefined);
      if (!s?.isFile()) {
        await fh.close().catch(() => {});
        return undefined;
      }
      return openedFile(fh, infoOf(path, s));
    },

    list(options = {}) {
      return listFiles(root, realRoot, options);
    },

    async put(path, body) {
      const segments = segmentsOf(path);
      const base = await writableRoot();
      const parent = await createDirectoryInRoot(base, segments.slice(0, -1));
      const name = segments[segments.length - 1] as string;
      const tempDir = join(base, DISK_TEMP_DIR);
      await mkdir(tempDir, { recursive: true, mode: 0o700 }).catch((err) => {
        throw scrub(err);
      });
      const temp = join(tempDir, `${Date.now()}-${randomBytes(8).toString('hex')}.part`);
      try {
        await pipeline(Readable.from(body), createWriteStream(temp, { flags: 'wx', mode: 0o644 }));
        // The parent was checked before the upload; check again, a folder may have been swapped
        // for a symlink while the bytes arrived.
        const realParent = await realpath(parent);
        if (!isInside(base, realParent)) throw refused('The content path leaves the content root.');
        const target = join(realParent, name);
        await rename(temp, target);
        return infoOf(path, await stat(target));
      } catch (err) {
        await unlink(temp).catch(() => {});
        // An error of the body (an upload over its limit) is the caller's own: pass it on.
        throw isFsError(err) ? scrub(err) : err;
      }
    },

    async delete(path) {
      let segments: string[];
      try {
        segments = segmentsOf(path);
      } catch {
        return false;
      }
      const base = await realRoot().catch(() => undefined);
      if (base === undefined) return false;
      const realParent = await realpath(join(base, ...segments.slice(0, -1))).catch(
        () => undefined,
      );
      if (realParent === undefined || !isInside(base, realParent)) return false;
      const target = join(realParent, segments[segments.length - 1] as string);
      const s = await lstat(target).catch(() => undefined);
      // A symlink is removed itself (never what it points to); folders are not objects.
      if (!s || !(s.isFile() || s.isSymbolicLink())) return false;
      return unlink(target).then(
        () => true,
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return false;
          throw scrub(err);
        },
      );
    },

    async createFolder(path) {
      await createDirectoryInRoot(await writableRoot(), segmentsOf(path));
    },

    describe() {
      return 'disk';
    },
  };
}

function isFsError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

function openedFile(fh: FileHandle, info: StoredObjectInfo): OpenedObject {
  const read = async (offset: number, length: number): Promise<Uint8Array> => {
    const want = Math.max(0, Math.min(length, info.size - offset));
    const buf = Buffer.alloc(want);
    let done = 0;
    while (done < want) {
      const { bytesRead } = await fh.read(buf, done, want - done, offset + done).catch((err) => {
        throw scrub(err);
      });
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === want ? buf : buf.subarray(0, done);
  };
  async function* chunksOf(range?: { start: number; end: number }): AsyncGenerator<Uint8Array> {
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? info.size - 1, info.size - 1);
    for (let at = start; at <= end; ) {
      const chunk = await read(at, Math.min(STREAM_CHUNK, end - at + 1));
      if (chunk.length === 0) return;
      at += chunk.length;
      yield chunk;
    }
  }
  return {
    info,
    read,
    stream: (range) => chunksOf(range),
    // Not the serving path (the file route reads local files itself): the same chunks, as a
    // Readable. Not fh.createReadStream, which closes the handle when destroyed part-way.
    readable: async (range) => Readable.from(chunksOf(range), { objectMode: false }),
    close: () => fh.close().catch(() => {}),
  };
}

async function* listFiles(
  root: string,
  realRoot: () => Promise<string>,
  options: { prefix?: string; limit?: number },
): AsyncIterable<StoredObjectInfo> {
  const prefix = options.prefix ?? '';
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  // An unreadable root (unmounted volume, typo) must not look like "every file was deleted".
  const top = await lstat(root).catch(() => undefined);
  if (!top?.isDirectory() && !(top?.isSymbolicLink() && (await isDirectory(root)))) {
    throw new StorageError('STORAGE_UNAVAILABLE', 'The content root is unavailable.');
  }
  const base = await realRoot();
  if (prefix === '') await purgeStaleTemp(base);
  let yielded = 0;
  async function* walk(dir: string, rel: string[], depth: number): AsyncIterable<StoredObjectInfo> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      if (yielded >= limit) return;
      // Dot entries (the temp dir, .git, .DS_Store) are never content; symlinks are skipped
      // because following them could list files outside the root.
      if (entry.name.startsWith('.') || entry.isSymbolicLink()) continue;
      const key = [...rel, entry.name].join('/');
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        // Descend only where the prefix can still match.
        if (depth < MAX_DEPTH && (prefix.startsWith(`${key}/`) || key.startsWith(prefix))) {
          yield* walk(full, [...rel, entry.name], depth + 1);
        }
        continue;
      }
      if (!entry.isFile() || !key.startsWith(prefix)) continue;
      const s = await lstat(full).catch(() => undefined);
      if (s?.isFile()) {
        yielded++;
        yield infoOf(key, s);
      }
    }
  }
  yield* walk(base, [], 0);
}

async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

async function purgeStaleTemp(realRoot: string, now = Date.now()): Promise<void> {
  const dir = join(realRoot, DISK_TEMP_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.endsWith('.part')) continue;
    const file = join(dir, name);
    const s = await lstat(file).catch(() => undefined);
    if (s?.isFile() && now - s.mtimeMs > STALE_TEMP_MS) await unlink(file).catch(() => {});
  }
}

/**
 * Makes the folder `segments` (below the real root) exist and returns its real path. The
 * nearest existing ancestor is resolved first and must lie inside the root; only then are the
 * missing folders created below it, so a symlink in the root (`linkdir -> /outside`) never makes
 * a write to `linkdir/new/x.ipa` create anything outside, even when the write is refused.
 */
async function createDirectoryInRoot(realRoot: string, segments: string[]): Promise<string> {
  let found = segments.length;
  let realAncestor: string;
  for (;;) {
    try {
      realAncestor = await realpath(join(realRoot, ...segments.slice(0, found)));
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw refused('The content path runs through an existing file.');
      // A dangling symlink resolves to nothing: walk up, and mkdir below will refuse it.
      if (code !== 'ENOENT' || found === 0)
        throw refused('The content path leaves the content root.');
      found--;
    }
  }
  if (!isInside(realRoot, realAncestor)) throw refused('The content path leaves the content root.');
  const info = await stat(realAncestor).catch(() => undefined);
  if (!info?.isDirectory()) throw refused('The content path runs through an existing file.');
  const missing = segments.slice(found);
  const real = join(realAncestor, ...missing);
  if (missing.length > 0) {
    try {
      await mkdir(real, { recursive: true });
    } catch {
      throw refused('The content path runs through an existing file.');
    }
  }
  return real;
}
