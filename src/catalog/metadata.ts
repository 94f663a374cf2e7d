/**
 * The one entry point the server and CLI use: classify a file by extension, hash it in one
 * streaming pass, and read the kind-specific metadata in the extraction worker (never on the
 * caller's event loop). Unreadable metadata never prevents cataloguing — the record gets a
 * warning with the reader's code instead, including budget, timeout and worker failures.
 */
import type { OpenedObject } from '../contracts/content-storage.js';
import type { ReadSource } from './byte-source.js';
import { bookFormatOfPath, type ContentKind, kindOfPath } from './content-kind.js';
import { CATALOG_WARNINGS, CatalogError, type ContentWarning } from './errors.js';
import { MetadataExtractor } from './extract-pool.js';
import { type FileHashes, hashFile, hashStream, MANIFEST_CHUNK_BYTES } from './hash.js';
import { profileExpiryWarning } from './mobileprovision.js';

export { bookFormatOfPath, type ContentKind, kindOfPath } from './content-kind.js';
export { sanitizeMetadata } from './extract-kind.js';

/** Everything {@link readContentMetadata} learns about one file. */
export interface ContentMetadataResult {
  kind: ContentKind;
  size: number;
  sha256: string;
  metadata: Record<string, unknown>;
  warnings: ContentWarning[];
}

let shared: MetadataExtractor | undefined;

/** The process-wide extractor used when a caller passes none (default limits). */
export function sharedExtractor(): MetadataExtractor {
  shared ??= new MetadataExtractor();
  return shared;
}

/** Options of the metadata readers. */
export interface ReadMetadataOptions {
  now?: number;
  /** Where parsing runs (default: the shared worker). */
  extractor?: MetadataExtractor;
}

/** The hashing a content kind needs: packages also get the manifest's 10 MiB chunk hashes. */
export function hashOptionsFor(name: string): { chunkSize?: number } {
  return kindOfPath(name) === 'package' ? { chunkSize: MANIFEST_CHUNK_BYTES } : {};
}

/**
 * Reads size, SHA-256, kind, metadata and warnings of a content file on disk.
 * For packages, `metadata.chunkHashes` holds the 10 MiB md5s/sha256s for manifests.
 * @example const { kind, metadata } = await readContentMetadata('/srv/content/app.ipa');
 */
export async function readContentMetadata(
  filePath: string,
  opts: ReadMetadataOptions & {
    /** Name to classify by when filePath is a temp file. */
    name?: string;
  } = {},
): Promise<ContentMetadataResult> {
  const name = opts.name ?? filePath;
  const hashes = await hashFile(filePath, hashOptionsFor(name));
  return describeContent(filePath, name, hashes, opts);
}

/**
 * Reads the metadata of an object opened from storage with ranged reads (a zip's central
 * directory, a xar's table of contents), never the whole object. `hashes` are those computed
 * while the object was uploaded; without them (a rescan) the object is streamed once to hash it.
 * @example const meta = await readStoredMetadata(opened, 'apps/a.ipa', { hashes });
 */
export async function readStoredMetadata(
  object: OpenedObject,
  name: string,
  opts: ReadMetadataOptions & { hashes?: FileHashes } = {},
): Promise<ContentMetadataResult> {
  const hashes = opts.hashes ?? (await hashStream(object.stream(), hashOptionsFor(name)));
  const source = { size: object.info.size, read: (o: number, l: number) => object.read(o, l) };
  return describeContent(source, name, hashes, opts);
}

async function describeContent(
  source: ReadSource,
  name: string,
  hashes: FileHashes,
  opts: ReadMetadataOptions,
): Promise<ContentMetadataResult> {
  const kind = kindOfPath(name);
  const warnings: ContentWarning[] = [];
  let metadata: Record<string, unknown> = {};
  try {
    if (kind !== 'other') {
      metadata = await (opts.extractor ?? sharedExtractor()).extract(source, name);
    }
  } catch (err) {
    // METADATA_BUSY is about this moment, not the file: the caller decides.
    if (!(err instanceof CatalogError) || err.code === 'METADATA_BUSY') throw err;
    warnings.push({
      code: 'METADATA_UNREADABLE',
      message: `${CATALOG_WARNINGS.METADATA_UNREADABLE} (${err.code})`,
    });
    metadata.unreadableCode = err.code;
  }
  if (hashes.chunks) metadata.chunkHashes = hashes.chunks;
  const book = bookFormatOfPath(name);
  if (kind === 'book' && book) metadata.bookFormat = book;
  const profile = profileExpiryWarning(
    metadata.profileExpiresAt as string | undefined,
    opts.now ?? Date.now(),
  );
  if (profile) warnings.push({ code: profile, message: CATALOG_WARNINGS[profile] });
  return { kind, size: hashes.size, sha256: hashes.sha256, metadata, warnings };
}
