/**
 * What the metadata readers read from: a size and ranged reads, nothing else. A file on disk,
 * an object in a bucket (its ranged GETs relayed into the extraction worker, see
 * extract-pool.ts) and a test's buffer all look the same to them, so a reader never needs the
 * whole object: a zip's central directory and a xar's table of contents are a few ranges.
 *
 * Readers make many small reads (yauzl reads each 46-byte directory record on its own), which
 * would be one round trip each against a bucket; {@link cachedByteSource} turns them into a few
 * block-sized reads.
 */
import { open } from 'node:fs/promises';

/** Random access to one immutable object. */
export interface ByteSource {
  readonly size: number;
  /** `length` bytes from `offset`; fewer only at the end of the object. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A reader's input: a file path (opened and closed by the reader) or a source. */
export type ReadSource = string | ByteSource;

/** Default block of the read cache: one ranged GET fetches this much. */
export const SOURCE_BLOCK_BYTES = 256 * 1024;
/** Blocks kept by the read cache (4 MiB). */
const CACHE_BLOCKS = 16;

/**
 * Runs `fn` on `source`, opening (and afterwards closing) a file when given a path.
 * @example await withByteSource('/srv/a.ipa', (src) => src.read(0, 4));
 */
export async function withByteSource<T>(
  source: ReadSource,
  fn: (source: ByteSource) => Promise<T>,
): Promise<T> {
  if (typeof source !== 'string') return fn(source);
  const file = await openFileByteSource(source);
  try {
    return await fn(cachedByteSource(file.source));
  } finally {
    await file.close();
  }
}

/** Opens a file on disk as a {@link ByteSource}; `close` releases it. */
export async function openFileByteSource(
  path: string,
): Promise<{ source: ByteSource; close: () => Promise<void> }> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const source: ByteSource = {
      size,
      async read(offset, length) {
        const want = Math.max(0, Math.min(length, size - offset));
        const buf = Buffer.alloc(want);
        let done = 0;
        while (done < want) {
          const { bytesRead } = await fh.read(buf, done, want - done, offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return done === want ? buf : buf.subarray(0, done);
      },
    };
    return { source, close: () => fh.close().catch(() => {}) };
  } catch (err) {
    await fh.close().catch(() => {});
    throw err;
  }
}

/**
 * Wraps `source` in a small block cache: reads up to four blocks long are served from aligned
 * `blockBytes` blocks (least recently used dropped first); longer reads go straight through.
 */
export function cachedByteSource(source: ByteSource, blockBytes = SOURCE_BLOCK_BYTES): ByteSource {
  const blocks = new Map<number, Promise<Uint8Array>>();
  const block = (index: number): Promise<Uint8Array> => {
    let hit = blocks.get(index);
    if (hit) {
      blocks.delete(index); // re-insert: Map order is the recency order
    } else {
      hit = source.read(index * blockBytes, blockBytes);
      hit.catch(() => blocks.delete(index));
    }
    blocks.set(index, hit);
    while (blocks.size > CACHE_BLOCKS) {
      const oldest = blocks.keys().next().value as number;
      blocks.delete(oldest);
    }
    return hit;
  };
  return {
    size: source.size,
    async read(offset, length) {
      const end = Math.min(offset + Math.max(0, length), source.size);
      if (end <= offset) return new Uint8Array(0);
      if (end - offset > 4 * blockBytes) return source.read(offset, end - offset);
      const first = Math.floor(offset / blockBytes);
      const last = Math.floor((end - 1) / blockBytes);
      const parts: Uint8Array[] = [];
      for (let i = first; i <= last; i++) parts.push(await block(i));
      const joined = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
      const from = offset - first * blockBytes;
      return joined.subarray(from, Math.min(from + (end - offset), joined.length));
    },
  };
}

/** Reads exactly `length` bytes at `offset`, or fails with `onShort` (a truncated object). */
export async function readExactly(
  source: ByteSource,
  offset: number,
  length: number,
  onShort: () => never,
): Promise<Buffer> {
  const bytes = await source.read(offset, length);
  if (bytes.length !== length) onShort();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
