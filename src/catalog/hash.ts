/**
 * One streaming pass over content that yields its size, SHA-256, MD5 and, when asked, the
 * per-chunk MD5/SHA-256 lists an InstallEnterpriseApplication manifest needs (Apple's chunk
 * size: 10 MiB). An upload is hashed by this same pass while it streams into storage, so a
 * multi-gigabyte package is read once, not once to store and again to hash.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Chunk size Apple's manifest examples and MDM servers use for md5s/sha256s. */
export const MANIFEST_CHUNK_BYTES = 10 * 1024 * 1024;

/** Per-chunk digests of a file. */
export interface ChunkHashes {
  chunkSize: number;
  md5s: string[];
  sha256s: string[];
}

/** Result of {@link hashFile} and {@link ContentHasher.digest}. */
export interface FileHashes {
  size: number;
  sha256: string;
  /** MD5 of the whole content (what a bucket's single-part ETag and Content-MD5 carry). */
  md5: string;
  chunks?: ChunkHashes;
}

/**
 * Incremental hashing of one object: feed it every chunk in order, then {@link digest}.
 * @example const h = new ContentHasher({ chunkSize: MANIFEST_CHUNK_BYTES }); h.update(bytes); h.digest();
 */
export class ContentHasher {
  size = 0;
  readonly #whole = createHash('sha256');
  readonly #md5 = createHash('md5');
  readonly #chunks: ChunkHashes | undefined;
  #chunkMd5: Hash | undefined;
  #chunkSha: Hash | undefined;
  #inChunk = 0;

  constructor(opts: { chunkSize?: number } = {}) {
    this.#chunks = opts.chunkSize
      ? { chunkSize: opts.chunkSize, md5s: [], sha256s: [] }
      : undefined;
  }

  /** Adds the next bytes. */
  update(data: Uint8Array): void {
    this.#whole.update(data);
    this.#md5.update(data);
    this.size += data.length;
    const chunks = this.#chunks;
    if (!chunks) return;
    let off = 0;
    while (off < data.length) {
      this.#chunkMd5 ??= createHash('md5');
      this.#chunkSha ??= createHash('sha256');
      const take = Math.min(chunks.chunkSize - this.#inChunk, data.length - off);
      const part = data.subarray(off, off + take);
      this.#chunkMd5.update(part);
      this.#chunkSha.update(part);
      this.#inChunk += take;
      off += take;
      if (this.#inChunk === chunks.chunkSize) this.#finishChunk();
    }
  }

  /** The digests of everything fed so far; call once. */
  digest(): FileHashes {
    if (this.#inChunk > 0) this.#finishChunk();
    const base = {
      size: this.size,
      sha256: this.#whole.digest('hex'),
      md5: this.#md5.digest('hex'),
    };
    return this.#chunks ? { ...base, chunks: this.#chunks } : base;
  }

  #finishChunk(): void {
    if (this.#chunks && this.#chunkMd5 && this.#chunkSha) {
      this.#chunks.md5s.push(this.#chunkMd5.digest('hex'));
      this.#chunks.sha256s.push(this.#chunkSha.digest('hex'));
    }
    this.#chunkMd5 = undefined;
    this.#chunkSha = undefined;
    this.#inChunk = 0;
  }
}

/**
 * Hashes a stream of chunks in one pass (an object read back from storage).
 * @example const { sha256 } = await hashStream(opened.stream());
 */
export async function hashStream(
  source: AsyncIterable<Uint8Array>,
  opts: { chunkSize?: number } = {},
): Promise<FileHashes> {
  const hasher = new ContentHasher(opts);
  for await (const data of source) hasher.update(data);
  return hasher.digest();
}

/**
 * Hashes a file in one pass.
 * @example const { sha256, chunks } = await hashFile('/srv/app.pkg', { chunkSize: MANIFEST_CHUNK_BYTES });
 */
export function hashFile(filePath: string, opts: { chunkSize?: number } = {}): Promise<FileHashes> {
  return hashStream(
    createReadStream(filePath, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>,
    opts,
  );
}
