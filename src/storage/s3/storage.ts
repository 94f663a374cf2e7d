/**
 * The S3 backend of the `ContentStorage` port (AWS S3, Cloudflare R2, MinIO, any store that
 * speaks the S3 REST protocol). A stat is a HeadObject; reads are ranged GetObjects pinned to the
 * ETag seen at open (`If-Match`), so a replaced object fails the read instead of mixing versions;
 * `list` walks ListObjectsV2 one page at a time; `put` is a multipart upload (lib-storage) that
 * becomes visible only when it completes. Closing a stream early aborts its request to the store.
 */

import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type {
  ContentStorage,
  OpenedObject,
  StoredObjectInfo,
} from '../../contracts/content-storage.js';
import { contentTypeFor } from '../../http/content-type.js';
import { StorageError } from '../errors.js';
import { READ_DEADLINE } from './client.js';
import { isNotFound, storageFailure } from './errors.js';

/** A bucket, and the key prefix content lives under ('' = the whole bucket). */
export interface S3StorageOptions {
  client: S3Client;
  bucket: string;
  prefix?: string;
  /** Multipart part size in bytes (at least 5 MiB, the S3 minimum); default 16 MiB. */
  partSize?: number;
  /** Parts uploaded at once; default 4 (memory held: partSize × queueSize). */
  queueSize?: number;
  /** Keys per ListObjectsV2 page (1-1000, the S3 maximum and default). */
  listPageSize?: number;
}

/** The S3 backend, with what the bucket delivery modes need beyond the port. */
export interface S3ContentStorage extends ContentStorage {
  readonly client: S3Client;
  readonly bucket: string;
  /** The bucket key of a content path (prefix joined). */
  keyOf(path: string): string;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;

/**
 * Implements `ContentStorage` on a bucket.
 * @example const storage = createS3Storage({ client: createS3Client({ region: 'eu-west-1' }), bucket: 'fleet', prefix: 'jamf' });
 */
export function createS3Storage(options: S3StorageOptions): S3ContentStorage {
  const { client, bucket } = options;
  const prefix = options.prefix ? `${options.prefix.replace(/\/+$/, '')}/` : '';
  const partSize = Math.max(MIN_PART_SIZE, options.partSize ?? 16 * 1024 * 1024);
  const queueSize = options.queueSize ?? 4;
  const keyOf = (path: string) => prefix + path;
  // A bucket has no folders to escape, but the SDK normalises dot segments in the request URL,
  // so `a/../x` would reach `x` — and `../x` an object beside the prefix. Callers check paths
  // first (http/path.ts, catalog/content-path.ts); the backend refuses them too, as disk does.
  const plain = (path: string) => isPlainKey(path);

  async function head(path: string, signal?: AbortSignal): Promise<StoredObjectInfo | undefined> {
    if (!plain(path)) return undefined;
    let out: HeadObjectCommandOutput;
    try {
      out = await client.send(
        new HeadObjectCommand({ Bucket: bucket, Key: keyOf(path) }),
        signal ? { ...READ_DEADLINE, abortSignal: signal } : READ_DEADLINE,
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw storageFailure(err, 'HeadObject');
    }
    return infoOf(path, out);
  }

  return {
    client,
    bucket,
    keyOf,
    stat: (path, opts) =>
      path === '' || path.endsWith('/') ? Promise.resolve(undefined) : head(path, opts?.signal),
    async open(path, opts) {
      const info = path === '' || path.endsWith('/') ? undefined : await head(path, opts?.signal);
      return info === undefined
        ? undefined
        : openedObject(client, bucket, keyOf(path), info, opts?.signal);
    },
    list: (opts = {}) => listObjects(client, bucket, prefix, options.listPageSize ?? 1000, opts),
    async put(path, body) {
      if (!plain(path))
        throw new StorageError('STORAGE_PATH_REFUSED', 'The key is not a plain path.');
      // The body's own error (an upload over its limit, a client that went away) reaches the
      // caller unchanged; only the store's errors become storage codes.
      let bodyError: { error: unknown } | undefined;
      async function* guarded(): AsyncIterable<Uint8Array> {
        try {
          yield* body;
        } catch (error) {
          bodyError = { error };
          throw error;
        }
      }
      const upload = new Upload({
        client,
        params: {
          Bucket: bucket,
          Key: keyOf(path),
          Body: Readable.from(guarded(), { objectMode: false }),
          // The listener's own type table, so a redirect answers with the type a file would.
          ContentType: contentTypeFor(path),
        },
        partSize,
        queueSize,
        leavePartsOnError: false,
      });
      try {
        await upload.done();
      } catch (err) {
        if (bodyError !== undefined) throw bodyError.error;
        throw storageFailure(err, 'Upload');
      }
      const info = await head(path);
      if (info === undefined) throw storageFailure({ name: 'NoSuchKey' }, 'Upload');
      return info;
    },
    async delete(path) {
      if ((await head(path)) === undefined) return false;
      try {
        await client.send(
          new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(path) }),
          READ_DEADLINE,
        );
      } catch (err) {
        throw storageFailure(err, 'DeleteObject');
      }
      return true;
    },
    // Folders are key prefixes in a bucket: nothing to create.
    createFolder: async () => {},
    describe: () => `s3 bucket ${bucket}${prefix ? ` (prefix ${prefix.slice(0, -1)})` : ''}`,
  };
}

function infoOf(
  path: string,
  out: { ContentLength?: number; LastModified?: Date; ETag?: string },
): StoredObjectInfo {
  return {
    path,
    size: out.ContentLength ?? 0,
    mtimeMs: out.LastModified?.getTime() ?? 0,
    // The ETag as the store quotes it ("…" or "…-N" for multipart): it changes with the bytes,
    // and ListObjectsV2 reports the same value, so a rescan and a stat agree.
    identity: out.ETag ?? '',
  };
}

/** The ETag to pin reads to. */
function etagOf(info: StoredObjectInfo): string | undefined {
  return info.identity === '' ? undefined : info.identity;
}

function openedObject(
  client: S3Client,
  bucket: string,
  key: string,
  info: StoredObjectInfo,
  openSignal?: AbortSignal,
): OpenedObject {
  const ifMatch = etagOf(info);
  /**
   * The store's answer to a ranged GET: the SDK's body, which is the node:http response itself
   * (piping it costs no promise per chunk; destroying it abandons the request, not drains it).
   * The caller's signal (a device that went away) aborts it too.
   */
  const get = async (start: number, end: number): Promise<Readable> => {
    try {
      const out = await client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          Range: `bytes=${start}-${end}`,
          ...(ifMatch ? { IfMatch: ifMatch } : {}),
        }),
        { ...READ_DEADLINE, ...(openSignal ? { abortSignal: openSignal } : {}) },
      );
      const body = out.Body as unknown as AsyncIterable<Uint8Array>;
      return body instanceof Readable ? body : Readable.from(body);
    } catch (err) {
      throw storageFailure(err, 'GetObject');
    }
  };
  const readable = async (range?: { start: number; end: number }): Promise<Readable> => {
    const start = range?.start ?? 0;
    const end = range?.end ?? info.size - 1;
    if (info.size === 0 || end < start) return Readable.from([]);
    return get(start, end);
  };
  return {
    info,
    async read(offset, length) {
      const end = Math.min(offset + length, info.size) - 1;
      if (length <= 0 || end < offset) return new Uint8Array(0);
      const chunks: Uint8Array[] = [];
      let total = 0;
      for await (const chunk of chunksOf(() => get(offset, end))) {
        chunks.push(chunk);
        total += chunk.length;
      }
      return concat(chunks, total);
    },
    stream: (range) => chunksOf(() => readable(range)),
    readable,
    close: async () => {},
  };
}

/**
 * The chunks of a body the store sends, its failures as storage errors. The GET starts at the
 * first pull, the response is pulled only as fast as the consumer takes it (no read-ahead beyond
 * the socket's buffers), and leaving the loop early — a client that went away — destroys the
 * body, which abandons the request to the store instead of letting it drain.
 */
async function* chunksOf(open: () => Promise<Readable>): AsyncGenerator<Uint8Array> {
  const body = await open();
  let done = false;
  try {
    for await (const chunk of body) yield chunk as Uint8Array;
    done = true;
  } catch (err) {
    throw storageFailure(err, 'GetObject');
  } finally {
    if (!done) body.destroy();
  }
}

async function* listObjects(
  client: S3Client,
  bucket: string,
  rootPrefix: string,
  pageSize: number,
  opts: { prefix?: string; limit?: number },
): AsyncGenerator<StoredObjectInfo> {
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  if (limit <= 0) return;
  let yielded = 0;
  const pages = paginateListObjectsV2(
    { client, pageSize },
    { Bucket: bucket, Prefix: rootPrefix + (opts.prefix ?? '') },
    READ_DEADLINE,
  );
  try {
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        const key = object.Key ?? '';
        // Folder markers ("a/") made by consoles are not content.
        if (!key.startsWith(rootPrefix) || key.endsWith('/')) continue;
        yield {
          path: key.slice(rootPrefix.length),
          size: object.Size ?? 0,
          mtimeMs: object.LastModified?.getTime() ?? 0,
          identity: object.ETag ?? '',
        };
        if (++yielded >= limit) return;
      }
    }
  } catch (err) {
    throw storageFailure(err, 'ListObjectsV2');
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** A relative key of plain segments: no empty, `.` or `..` segment, no NUL or backslash. */
function isPlainKey(path: string): boolean {
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') return false;
    if (segment.includes('\0') || segment.includes('\\')) return false;
  }
  return true;
}
