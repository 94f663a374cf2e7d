/**
 * One streaming pass over a file that yields its size, SHA-256 and, when asked, the per-chunk
 * MD5/SHA-256 lists an InstallEnterpriseApplication manifest needs (Apple's chunk size: 10 MiB).
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

/** Result of {@link hashFile}. */
export interface FileHashes {
  size: number;
  sha256: string;
  chunks?: ChunkHashes;
}

/**
 * Hashes a file in one pass.
 * @example const { sha256, chunks } = await hashFile('/srv/app.pkg', { chunkSize: MANIFEST_CHUNK_BYTES });
 */
export async function hashFile(
  filePath: string,
  opts: { chunkSize?: number } = {},
): Promise<FileHashes> {
  const whole = createHash('sha256');
  const chunkSize = opts.chunkSize;
  const chunks: ChunkHashes | undefined = chunkSize
    ? { chunkSize, md5s: [], sha256s: [] }
    : undefined;
  let md5: Hash | undefined;
  let sha: Hash | undefined;
  let inChunk = 0;
  let size = 0;
  const finishChunk = () => {
    if (chunks && md5 && sha) {
      chunks.md5s.push(md5.digest('hex'));
      chunks.sha256s.push(sha.digest('hex'));
    }
    md5 = undefined;
    sha = undefined;
    inChunk = 0;
  };
  for await (const data of createReadStream(filePath, {
    highWaterMark: 1024 * 1024,
  }) as AsyncIterable<Buffer>) {
    whole.update(data);
    size += data.length;
    if (!chunks || !chunkSize) continue;
    let off = 0;
    while (off < data.length) {
      md5 ??= createHash('md5');
      sha ??= createHash('sha256');
      const take = Math.min(chunkSize - inChunk, data.length - off);
      const part = data.subarray(off, off + take);
      md5.update(part);
      sha.update(part);
      inChunk += take;
      off += take;
      if (inChunk === chunkSize) finishChunk();
    }
  }
  if (inChunk > 0) finishChunk();
  return chunks
    ? { size, sha256: whole.digest('hex'), chunks }
    : { size, sha256: whole.digest('hex') };
}
