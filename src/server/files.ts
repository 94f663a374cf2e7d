/**
 * The file side of the content listener: resolve a checked path under the root, refuse
 * anything that is not a regular file inside the root (symlinks may point only inside it),
 * and hand back either a small file's bytes from a bounded memory cache or an open handle.
 * All disk access goes through `FileSystem`, so tests can prove refusals never touch the disk.
 */
import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { Lru } from './lru.js';

/** The disk operations the content listener uses (injectable for tests). */
export interface FileSystem {
  realpath(path: string): Promise<string>;
  stat(path: string): Promise<Stats>;
  open(path: string): Promise<FileHandle>;
}

/** node:fs/promises; O_NONBLOCK keeps a FIFO placed in the root from hanging a request. */
export const nodeFileSystem: FileSystem = {
  realpath: (p) => realpath(p),
  stat: (p) => stat(p),
  open: (p) => open(p, constants.O_RDONLY | constants.O_NONBLOCK),
};

/** A file ready to send: metadata plus either cached bytes or an open handle (caller closes it). */
export interface ResolvedFile {
  name: string;
  size: number;
  mtimeMs: number;
  ino: number;
  bytes?: Buffer;
  handle?: FileHandle;
  /**
   * Response headers of a plain full GET/HEAD for cached bytes, filled in by the file route on
   * first use; the same object is returned while the file stays resolved.
   */
  fullResponseHeaders?: Readonly<Record<string, string>>;
}

/** Options for {@link ContentFiles}. */
export interface ContentFilesOptions {
  fs?: FileSystem;
  smallFileMaxBytes: number;
  smallFileCacheBytes: number;
  /** How long (ms) a small file's resolution is trusted without touching the disk; 0 = always check. */
  revalidateMs?: number;
}

/** Resolves request paths to files under one root. */
export class ContentFiles {
  readonly #fs: FileSystem;
  readonly #cache: Lru<string, Buffer>;
  readonly #smallMax: number;
  // Like nginx's open_file_cache_valid: a hot small file is served for up to revalidateMs
  // without realpath/stat, so a cache hit costs no system call at all.
  readonly #recent = new Lru<string, { at: number; file: ResolvedFile }>(10_000);
  readonly #revalidateMs: number;
  #realRoot: string | null = null;
  hits = 0;
  misses = 0;

  constructor(
    readonly root: string,
    opts: ContentFilesOptions,
  ) {
    this.#fs = opts.fs ?? nodeFileSystem;
    this.#smallMax = opts.smallFileCacheBytes > 0 ? opts.smallFileMaxBytes : 0;
    this.#cache = new Lru(100_000, opts.smallFileCacheBytes);
    this.#revalidateMs = opts.revalidateMs ?? 0;
  }

  /** Resolves the root once (it may itself be a symlink). */
  async init(): Promise<void> {
    this.#realRoot = await this.#fs.realpath(this.root);
    const s = await this.#fs.stat(this.#realRoot);
    if (!s.isDirectory()) throw new Error('content root is not a directory');
  }

  /**
   * Finds a regular file for already-checked, decoded segments; null means 404 (missing,
   * directory, special file, or a symlink leading outside the root). A small file resolved
   * within `revalidateMs` comes back synchronously (no promise, no system call); `key` is the
   * decoded path the caller already has, defaulting to the segments joined.
   */
  resolve(
    segments: string[],
    key = segments.join('/'),
  ): ResolvedFile | null | Promise<ResolvedFile | null> {
    if (segments.length === 0) return null;
    if (this.#revalidateMs <= 0) return this.#resolveOnDisk(segments);
    const recent = this.#recent.get(key);
    if (recent && performance.now() - recent.at < this.#revalidateMs) {
      this.hits++;
      return recent.file;
    }
    return this.#resolveOnDisk(segments).then((file) => {
      if (file?.bytes) this.#recent.set(key, { at: performance.now(), file });
      else this.#recent.delete(key);
      return file;
    });
  }

  async #resolveOnDisk(segments: string[]): Promise<ResolvedFile | null> {
    const realRoot = this.#realRoot ?? (await this.#fs.realpath(this.root));
    let real: string;
    try {
      real = await this.#fs.realpath(join(realRoot, ...segments));
    } catch {
      return null;
    }
    if (!real.startsWith(realRoot + sep)) return null;
    const name = segments[segments.length - 1]!;
    let info: Stats;
    try {
      info = await this.#fs.stat(real);
    } catch {
      return null;
    }
    if (!info.isFile()) return null;
    if (info.size <= this.#smallMax) {
      const key = `${real}\u0000${info.size}\u0000${info.mtimeMs}\u0000${info.ino}`;
      const cached = this.#cache.get(key);
      if (cached) {
        this.hits++;
        return { name, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, bytes: cached };
      }
      this.misses++;
      const bytes = await this.#readSmall(real, info);
      if (bytes === null) return null;
      this.#cache.set(key, bytes, bytes.length);
      return { name, size: bytes.length, mtimeMs: info.mtimeMs, ino: info.ino, bytes };
    }
    return this.#openLarge(real, name);
  }

  async #readSmall(real: string, info: Stats): Promise<Buffer | null> {
    const handle = await this.#fs.open(real).catch(() => null);
    if (handle === null) return null;
    try {
      const now = await handle.stat();
      // Changed between stat and open: skip the cache entry rather than serve a mixed view.
      if (!now.isFile() || now.ino !== info.ino || now.size !== info.size) return null;
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async #openLarge(real: string, name: string): Promise<ResolvedFile | null> {
    const handle = await this.#fs.open(real).catch(() => null);
    if (handle === null) return null;
    const info = await handle.stat().catch(() => null);
    if (info === null || !info.isFile()) {
      await handle.close();
      return null;
    }
    return { name, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, handle };
  }
}
