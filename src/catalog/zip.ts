/**
 * Bounded reading of a few small entries from a zip archive (.ipa, .epub) without extracting
 * anything to disk. Caps: entry count, declared and actual uncompressed size per entry, and
 * compression ratio, so a zip bomb or a lying header costs at most a few MiB of memory.
 */
import { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { Budget } from './budget.js';
import { type ByteSource, type ReadSource, withByteSource } from './byte-source.js';
import { CatalogError } from './errors.js';

/** Limits for {@link readZipEntries}. */
export interface ZipLimits {
  /** Most entries an archive may list (default 100000). */
  maxEntries?: number;
  /** Largest uncompressed entry read into memory (default 4 MiB). */
  maxEntryBytes?: number;
  /** Largest uncompressed/compressed ratio accepted for entries above 1 MiB (default 100). */
  maxRatio?: number;
}

/**
 * Walks the central directory once; for each entry name `want` returns a key for, reads that
 * entry (bounded) and stores it under the key. The first entry per key wins. Each listed entry
 * is a step and each inflated byte is output charged to `budget`.
 * @throws CatalogError ZIP_INVALID, ZIP_TOO_MANY_ENTRIES, ZIP_ENTRY_TOO_LARGE, ZIP_ENTRY_RATIO,
 *   METADATA_BUDGET_EXCEEDED
 */
export function readZipEntries(
  source: ReadSource,
  want: (name: string) => string | undefined,
  limits: ZipLimits = {},
  budget: Budget = new Budget(),
): Promise<Map<string, Uint8Array>> {
  return withByteSource(source, (s) => readEntries(s, want, limits, budget));
}

async function readEntries(
  source: ByteSource,
  want: (name: string) => string | undefined,
  limits: ZipLimits,
  budget: Budget,
): Promise<Map<string, Uint8Array>> {
  const maxEntries = limits.maxEntries ?? 100_000;
  const zip = await openZip(source);
  const out = new Map<string, Uint8Array>();
  try {
    if (zip.entryCount > maxEntries) {
      throw new CatalogError(
        'ZIP_TOO_MANY_ENTRIES',
        `The archive lists ${zip.entryCount} entries; the limit is ${maxEntries}.`,
      );
    }
    for await (const entry of zip.eachEntry()) {
      budget.step();
      const key = want(entry.fileName);
      if (key === undefined || out.has(key) || entry.fileName.endsWith('/')) continue;
      out.set(key, await readEntry(zip, entry, limits, budget));
    }
  } catch (err) {
    if (err instanceof CatalogError) throw err;
    throw new CatalogError('ZIP_INVALID', 'The zip archive is corrupt or truncated.', {
      cause: err,
    });
  } finally {
    zip.close();
  }
  return out;
}

/**
 * yauzl over ranged reads: it asks for the end-of-central-directory record, the directory and
 * each wanted entry as byte ranges, so only those ranges of the object are ever read.
 */
class SourceReader extends yauzl.RandomAccessReader {
  constructor(private readonly source: ByteSource) {
    super();
  }
  override _readStreamForRange(start: number, end: number): Readable {
    const source = this.source;
    return Readable.from(
      (async function* () {
        // Entry data is read in bounded slices: a 4 MiB entry is not one read.
        for (let at = start; at < end; ) {
          const bytes = await source.read(at, Math.min(end - at, 1024 * 1024));
          if (bytes.length === 0) throw new Error('unexpected end of the archive');
          at += bytes.length;
          yield Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        }
      })(),
      { objectMode: false },
    );
  }
}

async function openZip(source: ByteSource): Promise<ZipFile> {
  try {
    return await yauzl.fromRandomAccessReaderPromise(new SourceReader(source), source.size, {
      lazyEntries: true,
      autoClose: false,
      validateEntrySizes: true,
      decodeStrings: true,
      strictFileNames: false,
    });
  } catch (err) {
    throw new CatalogError('ZIP_INVALID', 'The file is not a readable zip archive.', {
      cause: err,
    });
  }
}

async function readEntry(
  zip: ZipFile,
  entry: Entry,
  limits: ZipLimits,
  budget: Budget,
): Promise<Uint8Array> {
  const maxBytes = limits.maxEntryBytes ?? 4 * 1024 * 1024;
  if (entry.uncompressedSize > maxBytes) {
    throw new CatalogError(
      'ZIP_ENTRY_TOO_LARGE',
      `An archive entry declares ${entry.uncompressedSize} bytes; the limit is ${maxBytes}.`,
    );
  }
  const ratio =
    entry.compressedSize > 0
      ? entry.uncompressedSize / entry.compressedSize
      : Number.POSITIVE_INFINITY;
  if (entry.uncompressedSize > 1024 * 1024 && ratio > (limits.maxRatio ?? 100)) {
    throw new CatalogError('ZIP_ENTRY_RATIO');
  }
  if (entry.isEncrypted()) throw new CatalogError('ZIP_INVALID', 'The archive entry is encrypted.');
  const stream = await zip.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      // validateEntrySizes already stops at the declared size; this is the belt to its braces.
      if (total > maxBytes) throw new CatalogError('ZIP_ENTRY_TOO_LARGE');
      budget.output(chunk.length);
      chunks.push(chunk);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks, total);
}
