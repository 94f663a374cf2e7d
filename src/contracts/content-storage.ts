/**
 * The port content bytes live behind: a folder on local disk (src/storage/disk.ts) or an
 * S3-compatible bucket (src/storage/s3/), opened by src/storage/open.ts. One contract suite
 * (test/storage/contract.ts) runs against both. What its users need from a backend:
 *
 * - the listener's bucket route: stat a path (size, mtime, an identity for ETags and caches),
 *   then read a byte range of it (Range requests); the local-disk file route keeps its own
 *   node:fs hot path (src/server/files.ts);
 * - the catalog (src/catalog/library.ts): list every object (rescan), stream one for hashing,
 *   read ranges of one for metadata, store an upload so that readers never see a partial
 *   object, delete one, create a folder.
 *
 * Keys are content paths relative to the root, '/'-separated, without a leading '/', already
 * checked by src/http/path.ts (no dot segments, no `..`); a backend never resolves `..` itself,
 * and a disk backend still refuses anything that resolves (through symlinks) outside the root.
 * Bytes are web-standard (`Uint8Array`, async iterables) except for `OpenedObject.readable`, the
 * serving relay's path, which is a Node.js stream piped straight to the response (no promise per
 * chunk; measured in docs/decisions.md, issue 13).
 * Absence is `undefined`/`false`, never an error, so "not found" and "not allowed" look alike
 * to a caller; an error means the backend itself failed and must not carry an absolute path.
 */

import type { Readable } from 'node:stream';

/** What a stat of one object tells: enough for ETags, Last-Modified and cache validation. */
export interface StoredObjectInfo {
  /** The key, relative to the root, '/'-separated. */
  path: string;
  size: number;
  /** Last modification, epoch milliseconds. */
  mtimeMs: number;
  /**
   * Changes whenever the object's bytes may have changed without size or mtime changing (an
   * inode number on disk, an ETag or version id in a bucket); part of cache keys and ETags.
   */
  identity: string;
}

/** An object opened for reading; `close` must be called, also after a failed read. */
export interface OpenedObject {
  /** The object as it was when opened; reads below see these bytes even if it is replaced. */
  readonly info: StoredObjectInfo;
  /** Reads `length` bytes from `offset` (a Range request); fewer only at the end of the object. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** The whole object (or `[start, end]` inclusive) as a stream of chunks. */
  stream(range?: { start: number; end: number }): AsyncIterable<Uint8Array>;
  /**
   * The same bytes as `stream`, as a Node.js readable to pipe to a response. Resolves once the
   * backend has started the read (a bucket's GET answered), rejects when it could not; a failure
   * later is the stream's 'error'. Destroying it stops the read (aborts a bucket's request).
   */
  readable(range?: { start: number; end: number }): Promise<Readable>;
  close(): Promise<void>;
}

/**
 * Per-call options: `signal` aborts the store's request (and the opened object's reads) when the
 * one who asked went away — a device that hung up. Backends without a remote store may ignore it.
 */
export interface StorageCallOptions {
  signal?: AbortSignal;
}

/** Where content bytes live. One implementation per backend (local disk, S3-compatible bucket). */
export interface ContentStorage {
  /** Metadata of a regular object, or undefined when there is none (or it is not a regular file). */
  stat(path: string, options?: StorageCallOptions): Promise<StoredObjectInfo | undefined>;
  /** Opens an object for reading, or undefined when there is none. */
  open(path: string, options?: StorageCallOptions): Promise<OpenedObject | undefined>;
  /**
   * Every object under `prefix` (default: all), in no particular order. Walks lazily so a large
   * root is never held in memory; `limit` bounds how many it yields (a rescan's budget).
   */
  list(options?: { prefix?: string; limit?: number }): AsyncIterable<StoredObjectInfo>;
  /**
   * Stores `body` under `path`: written aside, then made visible at once (a rename on disk, a
   * completed upload in a bucket), so readers see the old object or the new one, never a part.
   * If-Match / If-None-Match stay with the catalog, which checks them against the record's
   * SHA-256 under its own write lock (src/catalog/library.ts), so the port needs no conditions.
   * A key the backend refuses (it leaves the root, runs through a file) rejects with the code
   * `STORAGE_PATH_REFUSED`; an error thrown by `body` itself (an upload over its limit) should
   * reach the caller unchanged (the library keeps it either way).
   */
  put(path: string, body: AsyncIterable<Uint8Array>): Promise<StoredObjectInfo>;
  /** Removes an object; false when there was none. */
  delete(path: string): Promise<boolean>;
  /** Creates a folder (a no-op for flat buckets, where folders are key prefixes). */
  createFolder(path: string): Promise<void>;
  /** Short human description for logs (`disk`, `s3 bucket x`) — never credentials or absolute paths. */
  describe(): string;
}
