/**
 * The content library: the one place that changes files under the content root and their
 * catalog records together. Used by the admin API and the `portcullis content` CLI, so both
 * write the same way — temp file, metadata, then (under a per-path lock) precondition check,
 * atomic rename and store upsert. Last complete write wins; readers never see a partial file.
 */
import { realpath, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { ContentRecord, ContentRepo } from '../contracts/content-catalog.js';
import { normalizeContentPath } from './content-path.js';
import { CatalogError } from './errors.js';
import type { MetadataExtractor } from './extract-pool.js';
import { readContentMetadata } from './metadata.js';
import { walkContentRoot } from './rescan.js';
import { createDirectoryInRoot, purgeStaleTemp, writeTempUpload } from './upload.js';

/** Default upload cap: 8 GiB (large macOS packages). */
export const DEFAULT_MAX_UPLOAD_BYTES = 8 * 1024 ** 3;

/** Options of a {@link ContentLibrary}. */
export interface ContentLibraryOptions {
  root: string;
  store: { content: ContentRepo };
  maxUploadBytes?: number;
  now?: () => number;
  /** Where file metadata is parsed (default: the process-wide worker, default limits). */
  extractor?: MetadataExtractor;
}

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

/** Manages files under a content root together with their catalog records. */
export class ContentLibrary {
  readonly root: string;
  readonly maxUploadBytes: number;
  readonly #store: { content: ContentRepo };
  readonly #now: () => number;
  readonly #extractor: MetadataExtractor | undefined;
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(opts: ContentLibraryOptions) {
    this.root = opts.root;
    this.#store = opts.store;
    this.maxUploadBytes = opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
    this.#now = opts.now ?? Date.now;
    this.#extractor = opts.extractor;
  }

  #readMetadata(file: string, name?: string) {
    return readContentMetadata(file, {
      now: this.#now(),
      ...(name !== undefined ? { name } : {}),
      ...(this.#extractor ? { extractor: this.#extractor } : {}),
    });
  }

  /** The record at a (normalised) path. */
  get(path: string): Promise<ContentRecord | undefined> {
    return this.#store.content.get(normalizeContentPath(path));
  }

  /** All records, ordered by path. */
  list(): Promise<ContentRecord[]> {
    return this.#store.content.list();
  }

  /** Absolute file path of a content path (after normalisation). */
  filePath(path: string): string {
    return join(this.root, ...normalizeContentPath(path).split('/'));
  }

  /**
   * Stores a stream at `path`: writes a temp file, reads its metadata, then atomically moves it
   * into place and upserts the record. Preconditions are checked under the path lock.
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
    // A declared length over the limit is refused before a byte is written.
    if (opts.expectedLength !== undefined && opts.expectedLength > maxBytes) {
      throw new CatalogError('UPLOAD_TOO_LARGE', `The upload exceeds ${maxBytes} bytes.`);
    }
    const temp = await writeTempUpload(this.root, source, {
      maxBytes,
      ...(opts.expectedLength !== undefined ? { expectedLength: opts.expectedLength } : {}),
    });
    try {
      const meta = await this.#readMetadata(temp.tempPath, path);
      return await this.#withLock(path, async () => {
        const existing = await this.#store.content.get(path);
        const target = await this.#safeTarget(path);
        const exists = existing !== undefined || (await isFile(target));
        checkPreconditions(existing, exists, opts);
        await rename(temp.tempPath, target);
        const s = await stat(target);
        const record = await this.#store.content.upsert({
          path,
          size: temp.size,
          sha256: temp.sha256,
          kind: meta.kind,
          metadata: { ...meta.metadata, warnings: meta.warnings },
          mtimeMs: Math.floor(s.mtimeMs),
          uploadedBy: opts.uploadedBy ?? null,
        });
        return { record, created: !exists };
      });
    } finally {
      await unlink(temp.tempPath).catch(() => {});
    }
  }

  /**
   * Deletes the file and its record.
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
      const target = await this.#safeTarget(path, false);
      let removedFile = false;
      if (target) {
        removedFile = await unlink(target).then(
          () => true,
          (err: NodeJS.ErrnoException) => {
            if (err.code === 'ENOENT') return false;
            throw err;
          },
        );
      }
      const removedRecord = await this.#store.content.delete(path);
      return removedFile || removedRecord;
    });
  }

  /** Re-reads changed files, adds new ones and forgets records whose files are gone. */
  async rescan(): Promise<RescanResult> {
    await purgeStaleTemp(this.root, 3_600_000, this.#now());
    const { files, truncated } = await walkContentRoot(this.root);
    const records = new Map((await this.#store.content.list()).map((r) => [r.path, r]));
    const result: RescanResult = { added: [], updated: [], removed: [], unchanged: 0, truncated };
    for (const f of files) {
      const old = records.get(f.path);
      records.delete(f.path);
      if (old && old.size === f.size && old.mtimeMs === f.mtimeMs) {
        result.unchanged++;
        continue;
      }
      await this.#withLock(f.path, async () => {
        const full = join(this.root, ...f.path.split('/'));
        // A hostile file comes back as a record with METADATA_UNREADABLE and its code, so it is
        // read once, not on every rescan or restart. Null only when the file vanished (or the
        // extractor queue was full): the next rescan picks it up.
        const meta = await this.#readMetadata(full).catch(() => null);
        if (!meta) return;
        await this.#store.content.upsert({
          path: f.path,
          size: meta.size,
          sha256: meta.sha256,
          kind: meta.kind,
          metadata: { ...meta.metadata, warnings: meta.warnings },
          mtimeMs: f.mtimeMs,
          uploadedBy: old?.uploadedBy ?? null,
        });
        (old ? result.updated : result.added).push(f.path);
      });
    }
    // When the walk was cut short, unseen records may still exist on disk: keep them.
    if (!truncated) {
      for (const path of records.keys()) {
        await this.#withLock(path, async () => {
          if (await isFile(join(this.root, ...path.split('/')))) return;
          if (await this.#store.content.delete(path)) result.removed.push(path);
        });
      }
    }
    return result;
  }

  /**
   * Resolves the absolute target and makes sure its parent (created when `create`) is a real
   * directory inside the root — a symlinked directory must not carry writes outside it.
   */
  async #safeTarget(path: string, create?: true): Promise<string>;
  async #safeTarget(path: string, create: false): Promise<string | null>;
  async #safeTarget(path: string, create = true): Promise<string | null> {
    const target = join(this.root, ...path.split('/'));
    const parent = dirname(target);
    // Resolve-then-create: nothing is made before the existing part is known to be inside.
    if (create) await createDirectoryInRoot(this.root, path.split('/').slice(0, -1));
    const [realRoot, realParent] = await Promise.all([
      realpath(this.root),
      realpath(parent).catch(() => null),
    ]);
    if (realParent === null) return create ? fail() : null;
    const rel = relative(realRoot, realParent);
    if (rel === '..' || rel.startsWith(`..${sep}`) || rel.startsWith(sep)) return fail();
    return target;
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

function fail(): never {
  throw new CatalogError('PATH_INVALID', 'The content path leaves the content root.');
}

async function isFile(p: string): Promise<boolean> {
  const s = await stat(p).catch(() => null);
  return s?.isFile() ?? false;
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
