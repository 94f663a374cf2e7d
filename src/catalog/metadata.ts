/**
 * The one entry point the server and CLI use: classify a file by extension, hash it in one
 * streaming pass, and read the kind-specific metadata. Unreadable metadata never prevents
 * cataloguing — the record gets a warning with the reader's code instead.
 */
import { readEpubMetadata } from './epub.js';
import { CATALOG_WARNINGS, CatalogError, type ContentWarning } from './errors.js';
import { hashFile, MANIFEST_CHUNK_BYTES } from './hash.js';
import { readIpaMetadata } from './ipa.js';
import { profileExpiryWarning } from './mobileprovision.js';
import { readPdfMetadata } from './pdf.js';
import { readPkgMetadata } from './pkg.js';

/** Catalog kind of a content file. */
export type ContentKind = 'app' | 'package' | 'book' | 'other';

/** Everything {@link readContentMetadata} learns about one file. */
export interface ContentMetadataResult {
  kind: ContentKind;
  size: number;
  sha256: string;
  metadata: Record<string, unknown>;
  warnings: ContentWarning[];
}

const KIND_BY_EXTENSION: Record<string, ContentKind> = {
  ipa: 'app',
  pkg: 'package',
  mpkg: 'package',
  epub: 'book',
  ibooks: 'book',
  pdf: 'book',
};

/** The kind implied by a path's extension (case-insensitive). */
export function kindOfPath(path: string): ContentKind {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
  return KIND_BY_EXTENSION[ext] ?? 'other';
}

/** The book format (`Kind` of InstallMedia) implied by the extension, if a book. */
export function bookFormatOfPath(path: string): 'epub' | 'pdf' | 'ibooks' | undefined {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  return ext === 'epub' || ext === 'pdf' || ext === 'ibooks' ? ext : undefined;
}

/**
 * Reads size, SHA-256, kind, metadata and warnings of a content file.
 * For packages, `metadata.chunkHashes` holds the 10 MiB md5s/sha256s for manifests.
 * @example const { kind, metadata } = await readContentMetadata('/srv/content/app.ipa');
 */
export async function readContentMetadata(
  filePath: string,
  opts: {
    now?: number /** name to classify by when filePath is a temp file */;
    name?: string;
  } = {},
): Promise<ContentMetadataResult> {
  const name = opts.name ?? filePath;
  const kind = kindOfPath(name);
  const hashes = await hashFile(
    filePath,
    kind === 'package' ? { chunkSize: MANIFEST_CHUNK_BYTES } : {},
  );
  const warnings: ContentWarning[] = [];
  let metadata: Record<string, unknown> = {};
  try {
    metadata = sanitizeMetadata(await readKindMetadata(filePath, name, kind)) as Record<
      string,
      unknown
    >;
  } catch (err) {
    if (!(err instanceof CatalogError)) throw err;
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

async function readKindMetadata(
  filePath: string,
  name: string,
  kind: ContentKind,
): Promise<object> {
  switch (kind) {
    case 'app':
      return readIpaMetadata(filePath);
    case 'package':
      return readPkgMetadata(filePath);
    case 'book':
      return bookFormatOfPath(name) === 'pdf'
        ? readPdfMetadata(filePath)
        : readEpubMetadata(filePath);
    default:
      return {};
  }
}

/**
 * Strips control characters (C0, DEL, C1) from every string a reader returned: titles and ids
 * come from untrusted files and end up in terminals, logs and the console.
 */
export function sanitizeMetadata(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return stripControls(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => sanitizeMetadata(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '__proto__') continue; // would set the prototype instead of a key
    out[stripControls(k)] = sanitizeMetadata(v, depth + 1);
  }
  return out;
}

function stripControls(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    out += c < 0x20 || (c >= 0x7f && c <= 0x9f) ? ' ' : ch;
  }
  return out;
}
