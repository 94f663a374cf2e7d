/**
 * A small bounded reader for xar archives (flat .pkg installers). It reads the 28-byte header,
 * inflates the table of contents (capped), and reads individual small files from the heap with
 * every offset checked against the real file size. Nothing is written to disk.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { Budget } from './budget.js';
import { type ByteSource, type ReadSource, readExactly, withByteSource } from './byte-source.js';
import { CatalogError } from './errors.js';
import { childrenNamed, childText, parseXml, type XmlElement } from './xml-lite.js';

/** One file listed in a xar table of contents. */
export interface XarEntry {
  /** '/'-joined path inside the archive, e.g. `foo.pkg/PackageInfo`. */
  path: string;
  type: string;
  /** Offset of the archived bytes relative to the heap start. */
  offset: number;
  /** Archived (possibly compressed) length. */
  length: number;
  /** Extracted size as declared. */
  size: number;
  encoding: string;
}

/** Limits for {@link readXarFiles}. */
export interface XarLimits {
  maxTocCompressed?: number;
  maxTocBytes?: number;
  maxEntryBytes?: number;
  maxEntries?: number;
}

const HEADER_MIN = 28;
const MAGIC = 0x78617221; // 'xar!'

/**
 * Lists the archive and reads the files `want` picks (bounded, decompressed).
 * The inflated TOC, its parse and every file read are charged to `budget`.
 * @throws CatalogError XAR_INVALID / XAR_TOO_LARGE / XML_INVALID / METADATA_BUDGET_EXCEEDED
 */
export function readXarFiles(
  source: ReadSource,
  want: (entry: XarEntry) => string | undefined,
  limits: XarLimits = {},
  budget: Budget = new Budget(),
): Promise<{ entries: XarEntry[]; files: Map<string, Uint8Array> }> {
  return withByteSource(source, (s) => readXar(s, want, limits, budget));
}

async function readXar(
  fh: ByteSource,
  want: (entry: XarEntry) => string | undefined,
  limits: XarLimits,
  budget: Budget,
): Promise<{ entries: XarEntry[]; files: Map<string, Uint8Array> }> {
  const fileSize = fh.size;
  const header = Buffer.from(await fh.read(0, HEADER_MIN));
  if (header.length < HEADER_MIN || header.readUInt32BE(0) !== MAGIC) bad('missing xar header');
  const headerSize = header.readUInt16BE(4);
  const tocCompressed = Number(header.readBigUInt64BE(8));
  const tocSize = Number(header.readBigUInt64BE(16));
  if (headerSize < HEADER_MIN || headerSize > 4096) bad('bad header size');
  if (
    tocCompressed > (limits.maxTocCompressed ?? 16 * 1024 * 1024) ||
    tocSize > (limits.maxTocBytes ?? 16 * 1024 * 1024)
  ) {
    throw new CatalogError('XAR_TOO_LARGE', 'The package table of contents exceeds 16 MiB.');
  }
  if (tocCompressed === 0 || headerSize + tocCompressed > fileSize)
    bad('table of contents past end of file');
  const raw = await readExactly(fh, headerSize, tocCompressed, truncated);
  // Charged before inflating: the declared size is the most inflateBounded will produce.
  budget.output(tocSize);
  const toc = inflateBounded(raw, tocSize);
  const entries = listEntries(
    parseXml(toc.toString('utf8'), {}, budget),
    limits.maxEntries ?? 100_000,
    budget,
  );
  const heapStart = headerSize + tocCompressed;
  const files = new Map<string, Uint8Array>();
  for (const entry of entries) {
    const key = want(entry);
    if (key === undefined || files.has(key)) continue;
    files.set(
      key,
      await readEntry(
        fh,
        entry,
        heapStart,
        fileSize,
        limits.maxEntryBytes ?? 4 * 1024 * 1024,
        budget,
      ),
    );
  }
  return { entries, files };
}

function bad(why: string): never {
  throw new CatalogError('XAR_INVALID', `The package archive is malformed (${why}).`);
}

const truncated = (): never => bad('unexpected end of file');

/** Inflates zlib data, refusing output beyond `declared` bytes (the TOC header's own claim). */
function inflateBounded(raw: Buffer, declared: number): Buffer {
  let out: Buffer;
  try {
    out = inflateSync(raw, { maxOutputLength: Math.max(declared, 1) });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CatalogError(
        'XAR_TOO_LARGE',
        'The compressed data inflates past its declared size.',
        { cause: err },
      );
    }
    throw new CatalogError('XAR_INVALID', 'The package archive holds corrupt compressed data.', {
      cause: err,
    });
  }
  if (out.length !== declared) bad('inflated size differs from the declared size');
  return out;
}

function listEntries(doc: XmlElement, maxEntries: number, budget: Budget): XarEntry[] {
  const xar = childrenNamed(doc, 'xar')[0];
  const toc = xar ? childrenNamed(xar, 'toc')[0] : undefined;
  if (!toc) bad('no <toc> element');
  const out: XarEntry[] = [];
  const walk = (parent: XmlElement, prefix: string) => {
    for (const file of childrenNamed(parent, 'file')) {
      if (out.length >= maxEntries) bad('too many entries');
      budget.step();
      const name = childText(file, 'name') ?? '';
      const path = prefix + name;
      const type = childText(file, 'type') ?? 'file';
      const data = childrenNamed(file, 'data')[0];
      if (data && type === 'file') out.push(dataEntry(path, type, data));
      walk(file, `${path}/`);
    }
  };
  walk(toc, '');
  return out;
}

function dataEntry(path: string, type: string, data: XmlElement): XarEntry {
  const num = (name: string): number => {
    const text = childText(data, name);
    if (text === undefined || !/^\d{1,15}$/.test(text)) bad(`bad <${name}> for an entry`);
    return Number(text);
  };
  const encoding = childrenNamed(data, 'encoding')[0]?.attrs.style ?? 'application/octet-stream';
  return { path, type, offset: num('offset'), length: num('length'), size: num('size'), encoding };
}

async function readEntry(
  fh: ByteSource,
  entry: XarEntry,
  heapStart: number,
  fileSize: number,
  maxBytes: number,
  budget: Budget,
): Promise<Uint8Array> {
  if (entry.size > maxBytes || entry.length > maxBytes) {
    throw new CatalogError('XAR_TOO_LARGE', `A package metadata file exceeds ${maxBytes} bytes.`);
  }
  // The declared size bounds what inflating may produce (checked by the bounded inflaters).
  budget.output(Math.max(entry.size, entry.length));
  if (heapStart + entry.offset + entry.length > fileSize) bad('entry data past end of file');
  const raw = await readExactly(fh, heapStart + entry.offset, entry.length, truncated);
  if (entry.encoding === 'application/octet-stream') return raw;
  if (entry.encoding === 'application/x-gzip' || entry.encoding === 'application/zlib') {
    // xar names zlib streams "x-gzip"; accept a real gzip member too.
    if (raw[0] === 0x1f && raw[1] === 0x8b) return gunzipBounded(raw, entry.size);
    return inflateBounded(raw, entry.size);
  }
  return bad(`unsupported encoding ${entry.encoding.slice(0, 40)}`);
}

function gunzipBounded(raw: Buffer, declared: number): Buffer {
  try {
    const out = gunzipSync(raw, { maxOutputLength: Math.max(declared, 1) });
    if (out.length !== declared) bad('inflated size differs from the declared size');
    return out;
  } catch (err) {
    if (err instanceof CatalogError) throw err;
    throw new CatalogError('XAR_INVALID', 'The package archive holds corrupt compressed data.', {
      cause: err,
    });
  }
}
