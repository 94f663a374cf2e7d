/**
 * The content library: the one place that changes content objects and their catalog records
 * together. Used by the admin API and the `portcullis content` CLI, so both write the same way,
 * on whatever storage they are given (a folder on disk, a bucket): under a per-path lock,
 * precondition check, then the body streams into `ContentStorage.put` (which makes it visible
 * only when complete) while it is hashed, then its metadata is read with ranged reads and the
 * record is upserted. Readers never see a partial object; the record always describes the
 * object the last completed write stored.
 */
import type { ContentRecord, ContentRepo } from '../contracts/content-catalog.js';
import type { ContentStorage, OpenedObject } from '../contracts/content-storage.js';
import { kindOfPath } from './content-kind.js';
import { normalizeContentPath } from './content-path.js';
import { CATALOG_WARNINGS, CatalogError } from './errors.js';
import type { MetadataExtractor } from './extract-pool.js';
import { ContentHasher, type FileHashes, hashStream } from './hash.js';
import { type ContentMetadataResult, hashOptionsFor, readStoredMetadata } from './metadata.js';
import { listStoredContent } from './rescan.js';
import { meteredUpload } from './upload.js';

/** Default upload cap: 8 GiB (large macOS packages). */
export const DEFAULT_MAX_UPLOAD_BYTES = 8 * 1024 ** 3;

/** Options of a {@link ContentLibrary}. */
export interface ContentLibraryOptions {
  /** Where the content bytes live (`createDiskStorage(root)`, or a bucket). */
  storage: ContentStorage;
  /**
   * The catalog, and the manifest links to end when their item is forgotten or replaced by
   * another one (the store's `manifestLinks`; without it no link is touched).
   */
  store: { content: ContentRepo; manifestLinks?: LinkRevoker };
  maxUploadBytes?: number;
  now?: () => number;
  /** Where file metadata is parsed (default: the process-wide worker, default limits). */
  extractor?: MetadataExtractor;
}

/** What the library needs of the manifest links: ending every link of an item. */
export interface LinkRevoker {
  /** Revokes every unrevoked link of the item at `contentPath`; returns how many. */
  revokeForContent(contentPath: string, by: string): Promise<number>;
}

/** Who a link ended by a rescan is revoked by (`revokedBy`). */
export const RESCAN_ACTOR = 'rescan';

/** Preconditions of a write (HTTP If-Match / If-None-Match semantics on the record ETag). */
export interface WritePreconditions {
  ifMatch?: string;
  ifNoneMatch?: string;
}

/** Outcome of {@link ContentLibrary.rescan}. */
export interface RescanResult {
  added: string[];
  updated: string[];
  removed: string[];
  unchanged: number;
  truncated: boolean;
}

/** The strong ETag of a content record: its SHA-256 in quotes. */
export function contentEtag(record: Pick<ContentRecord, 'sha256'>): string {
  return `"${record.sha256}"`;
}

/** Manages content objects in a storage together with their catalog records. */
export class ContentLibrary {
  readonly storage: ContentStorage;
  readonly maxUploadBytes: number;
  readonly #store: { content: ContentRepo; manifestLinks?: LinkRevoker };
  readonly #now: () => number;
  readonly #extractor: MetadataExtractor | undefined;
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(opts: ContentLibraryOptions) {
    this.storage = opts.storage;
    this.#store = opts.store;
    this.maxUploadBytes = opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
    this.#now = opts.now ?? Date.now;
    this.#extractor = opts.extractor;
  }

  /** The record at a (normalised) path. */
  get(path: string): Promise<ContentRecord | undefined> {
    return this.#store.content.get(normalizeContentPath(path));
  }

  /** All records, ordered by path. */
  list(): Promise<ContentRecord[]> {
    return this.#store.content.list();
  }

  /**
   * Stores a stream at `path`: checks the preconditions, streams the body into storage while
   * hashing it, reads the stored object's metadata and upserts the record — all under the path
   * lock, so concurrent writes to one path are applied one after the other.
   * @throws CatalogError PATH_INVALID, UPLOAD_TOO_LARGE, UPLOAD_INCOMPLETE, CONTENT_EXISTS, PRECONDITION_FAILED
   */
  async ingest(
    source: NodeJS.ReadableStream | AsyncIterable<Uint8Array>,
    rawPath: string,
    opts: WritePreconditions & {
      uploadedBy?: string | null;
      expectedLength?: number;
      maxBytes?: number;
    } = {},
  ): Promise<{ record: ContentRecord; created: boolean }> {
    const path = normalizeContentPath(rawPath);
    const maxBytes = opts.maxBytes ?? this.maxUploadBytes;
    // A declared length over the limit is refused before a byte is stored.
    if (opts.expectedLength !== undefined && opts.expectedLength > maxBytes) {
      throw new CatalogError('UPLOAD_TOO_LARGE', `The upload exceeds ${maxBytes} bytes.`);
    }
    return this.#withLock(path, async () => {
      const existing = await this.#store.content.get(path);
      const exists = existing !== undefined || (await this.storage.stat(path)) !== undefined;
      checkPreconditions(existing, exists, opts);
      const hasher = new ContentHasher(hashOptionsFor(path));
      const limits = {
        maxBytes,
        ...(opts.expectedLength !== undefined ? { expectedLength: opts.expectedLength } : {}),
      };
      // The body's own refusal (too large, incomplete, the client gone) is what the caller must
      // see, whatever error the backend wraps it in when it aborts the write.
      let bodyError: unknown;
      const body = meteredUpload(source, limits, hasher);
      const watched = (async function* () {
        try {
          yield* body;
        } catch (err) {
          bodyError = err;
          throw err;
        }
      })();
      const info = await this.storage.put(path, watched).catch((err: unknown) => {
        throw bodyError ?? storageRefusal(err);
      });
      const hashes = hasher.digest();
      const meta = await this.#readStored(path, hashes);
      await this.#endLinksOfReplaced(path, existing, meta, opts.uploadedBy ?? 'catalog');
      const record = await this.#store.content.upsert({
        path,
        size: hashes.size,
        sha256: hashes.sha256,
        kind: meta.kind,
        metadata: { ...meta.metadata, md5: hashes.md5, warnings: meta.warnings },
        mtimeMs: info.mtimeMs,
        uploadedBy: opts.uploadedBy ?? null,
      });
      return { record, created: !exists };
    });
  }

  /**
   * Deletes the object and its record.
   * @returns false when neither existed
   * @throws CatalogError PATH_INVALID, PRECONDITION_FAILED
   */
  async remove(rawPath: string, opts: WritePreconditions = {}): Promise<boolean> {
    const path = normalizeContentPath(rawPath);
    return this.#withLock(path, async () => {
      const existing = await this.#store.content.get(path);
      if (opts.ifMatch !== undefined && !etagMatches(opts.ifMatch, existing)) {
        throw new CatalogError('PRECONDITION_FAILED');
      }
      const removedObject = await this.storage.delete(path);
      const removedRecord = await this.#store.content.delete(path);
      return removedObject || removedRecord;
    });
  }

  /**
   * Re-reads changed objects, adds new ones and forgets records whose objects are gone. A path
   * being written right now is left to its writer, which records it when the write completes.
   * @throws CatalogError CONTENT_ROOT_UNAVAILABLE when the storage cannot be listed
   */
  async rescan(): Promise<RescanResult> {
    const { files, truncated } = await listStoredContent(this.storage);
    const records = new Map((await this.#store.content.list()).map((r) => [r.path, r]));
    const result: RescanResult = { added: [], updated: [], removed: [], unchanged: 0, truncated };
    for (const f of files) {
      const old = records.get(f.path);
      records.delete(f.path);
      if (this.#locks.has(f.path)) continue;
      if (old && old.size === f.size && old.mtimeMs === f.mtimeMs && !retryable(old)) {
        result.unchanged++;
        continue;
      }
      await this.#withLock(f.path, async () => {
        // A hostile file comes back as a record with METADATA_UNREADABLE and its code, so it is
        // read once, not on every rescan or restart. Null when the object vanished or could not
        // be read (or the extractor queue was full): the next rescan picks it up.
        const meta = await this.#readStored(f.path).catch(() => null);
        if (!meta) return;
        await this.#endLinksOfReplaced(f.path, old, meta, RESCAN_ACTOR);
        await this.#store.content.upsert({
          path: f.path,
          size: meta.size,
          sha256: meta.sha256,
          kind: meta.kind,
          metadata: { ...meta.metadata, md5: meta.md5, warnings: meta.warnings },
          mtimeMs: meta.mtimeMs,
          uploadedBy: old?.uploadedBy ?? null,
        });
        (old ? result.updated : result.added).push(f.path);
      });
    }
    // When the listing was cut short, unseen records may still have objects: keep them.
    if (!truncated) {
      for (const path of records.keys()) {
        if (this.#locks.has(path)) continue;
        await this.#withLock(path, async () => {
          if ((await this.storage.stat(path)) !== undefined) return;
          if (await this.#store.content.delete(path)) result.removed.push(path);
          // A forgotten item's links end with it: a file put at this path later is another
          // item, and a link handed out for this one must never open it.
          await this.#store.manifestLinks?.revokeForContent(path, RESCAN_ACTOR);
        });
      }
    }
    return result;
  }

  /**
   * Ends the manifest links at `path` that were made for another item than the object now
   * there: every link when there was no record (a link is made for a record, so one left at a
   * new item's path was made for an item forgotten before), else when the kind or bundle
   * identifier changed (a new version of the same app keeps its links, which is what a
   * declaration holding one relies on). A read that could not run yet (METADATA_BUSY) proves
   * nothing either way and ends nothing.
   */
  async #endLinksOfReplaced(
    path: string,
    old: ContentRecord | undefined,
    meta: ContentMetadataResult,
    by: string,
  ): Promise<void> {
    const links = this.#store.manifestLinks;
    if (!links) return;
    if (old) {
      if (meta.metadata.unreadableCode === 'METADATA_BUSY' || retryable(old)) return;
      if (old.kind === meta.kind && old.metadata.bundleId === meta.metadata.bundleId) return;
    }
    await links.revokeForContent(path, by);
  }

  /**
   * Opens the stored object and reads its metadata (hashing it first when `hashes` is not
   * given). A queue too full to read it now records the object as unreadable for the moment
   * (METADATA_BUSY), which the next rescan retries.
   */
  async #readStored(
    path: string,
    hashes?: FileHashes,
  ): Promise<ContentMetadataResult & { md5: string; mtimeMs: number }> {
    const object = await this.storage.open(path);
    if (!object) throw new CatalogError('CONTENT_NOT_FOUND');
    try {
      const own = hashes ?? (await hashObject(object, path));
      const meta = await readStoredMetadata(object, path, {
        hashes: own,
        now: this.#now(),
        ...(this.#extractor ? { extractor: this.#extractor } : {}),
      }).catch((err: unknown) => {
        if (!(err instanceof CatalogError) || err.code !== 'METADATA_BUSY') throw err;
        return busyResult(path, own);
      });
      return { ...meta, md5: own.md5, mtimeMs: object.info.mtimeMs };
    } finally {
      await object.close();
    }
  }

  async #withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
    const prior = this.#locks.get(path) ?? Promise.resolve();
    const run = prior.then(fn, fn);
    const tail = run.catch(() => {});
    this.#locks.set(path, tail);
    try {
      return await run;
    } finally {
      if (this.#locks.get(path) === tail) this.#locks.delete(path);
    }
  }
}

function hashObject(object: OpenedObject, path: string): Promise<FileHashes> {
  return hashStream(object.stream(), hashOptionsFor(path));
}

/** A record whose metadata could not be read for a passing reason is read again by a rescan. */
function retryable(record: ContentRecord): boolean {
  return record.metadata.unreadableCode === 'METADATA_BUSY';
}

function busyResult(path: string, hashes: FileHashes): ContentMetadataResult {
  const metadata: Record<string, unknown> = { unreadableCode: 'METADATA_BUSY' };
  if (hashes.chunks) metadata.chunkHashes = hashes.chunks;
  return {
    kind: kindOfPath(path),
    size: hashes.size,
    sha256: hashes.sha256,
    metadata,
    warnings: [
      {
        code: 'METADATA_UNREADABLE',
        message: `${CATALOG_WARNINGS.METADATA_UNREADABLE} (METADATA_BUSY)`,
      },
    ],
  };
}

/** A storage refusal of the key (it leaves the root, runs through a file) as the catalog's code. */
function storageRefusal(err: unknown): unknown {
  if ((err as { code?: unknown })?.code === 'STORAGE_PATH_REFUSED') {
    return new CatalogError('PATH_INVALID', (err as Error).message, { cause: err });
  }
  return err;
}

function etagMatches(header: string, record: ContentRecord | undefined): boolean {
  if (!record) return false;
  if (header.trim() === '*') return true;
  const mine = contentEtag(record);
  // If-Match uses strong comparison (RFC 9110 13.1.1): a weak tag never matches.
  return header.split(',').some((t) => t.trim() === mine);
}

function checkPreconditions(
  existing: ContentRecord | undefined,
  exists: boolean,
  p: WritePreconditions,
): void {
  if (p.ifNoneMatch !== undefined && p.ifNoneMatch.trim() === '*' && exists)
    throw new CatalogError('CONTENT_EXISTS');
  if (p.ifMatch !== undefined && !etagMatches(p.ifMatch, existing))
    throw new CatalogError('PRECONDITION_FAILED');
}
