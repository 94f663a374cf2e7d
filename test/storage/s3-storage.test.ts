// The S3 backend of ContentStorage against a real S3-protocol server (s3rver, started per file).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/storage/errors.js';
import { parseStorageLocation } from '../../src/storage/location.js';
import { openContentStorage, openS3Storage } from '../../src/storage/open.js';
import { checkS3Storage } from '../../src/storage/s3/check.js';
import { createS3Client } from '../../src/storage/s3/client.js';
import { createS3Storage, type S3ContentStorage } from '../../src/storage/s3/storage.js';
import { S3RVER_CREDENTIALS, startS3rver, type TestS3 } from '../helpers/s3rver.js';

let s3: TestS3;
let storage: S3ContentStorage;

const connection = () => ({
  endpoint: s3.endpoint,
  region: s3.region,
  forcePathStyle: true,
  credentials: async () => ({ ...S3RVER_CREDENTIALS }),
});

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? new TextEncoder().encode(p) : p;
}

async function collect(iterable: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of iterable) out.push(Buffer.from(c));
  return Buffer.concat(out);
}

beforeAll(async () => {
  s3 = await startS3rver();
  storage = await openS3Storage({ kind: 's3', bucket: s3.bucket, prefix: 'jamf' }, connection());
});
afterAll(async () => {
  await s3.stop();
});
beforeEach(() => s3.resetRequests());
const requests = () => s3.requests();

describe('S3 ContentStorage', () => {
  it('puts an object, then stats, reads ranges and streams it', async () => {
    const info = await storage.put('apps/Über App.ipa', chunks('0123456789', 'abcdef'));
    expect(info).toMatchObject({ path: 'apps/Über App.ipa', size: 16 });
    expect(info.identity).toMatch(/^"[0-9a-f]{32}"$/);
    expect(await storage.stat('apps/Über App.ipa')).toEqual(info);
    const opened = (await storage.open('apps/Über App.ipa'))!;
    expect(Buffer.from(await opened.read(3, 4)).toString()).toBe('3456');
    // Past the end: fewer bytes, never an error.
    expect(Buffer.from(await opened.read(14, 10)).toString()).toBe('ef');
    expect((await collect(opened.stream())).toString()).toBe('0123456789abcdef');
    expect((await collect(opened.stream({ start: 10, end: 12 }))).toString()).toBe('abc');
    await opened.close();
    // The prefix is part of every key: the object lives at jamf/…
    expect((await requests()).some((r) => r.url.includes('/content/jamf/apps/'))).toBe(true);
  });

  it('answers undefined for a missing object, a folder key and the empty key', async () => {
    expect(await storage.stat('nope.pkg')).toBeUndefined();
    expect(await storage.open('nope.pkg')).toBeUndefined();
    expect(await storage.stat('apps/')).toBeUndefined();
    expect(await storage.stat('')).toBeUndefined();
  });

  it('uploads a large body in parts (multipart) with the bytes intact', async () => {
    const multipart = createS3Storage({
      client: createS3Client(connection()),
      bucket: s3.bucket,
      prefix: 'jamf',
      partSize: 5 * 1024 * 1024,
    });
    const part = Buffer.alloc(1024 * 1024);
    const whole: Buffer[] = [];
    async function* body() {
      for (let i = 0; i < 12; i++) {
        part.fill(i);
        const copy = Buffer.from(part);
        whole.push(copy);
        yield copy;
      }
    }
    const info = await multipart.put('big.pkg', body());
    expect(info.size).toBe(12 * 1024 * 1024);
    // 12 MiB in 5 MiB parts is three part uploads.
    expect(
      (await requests()).filter((r) => r.method === 'PUT' && r.url.includes('partNumber=')),
    ).toHaveLength(3);
    const opened = (await multipart.open('big.pkg'))!;
    const back = await collect(opened.stream());
    expect(createHash('sha256').update(back).digest('hex')).toBe(
      createHash('sha256').update(Buffer.concat(whole)).digest('hex'),
    );
  });

  it('reads are pinned with If-Match to the ETag seen at open', async () => {
    // s3rver ignores If-Match (real S3, R2 and MinIO answer 412, which maps to STORAGE_CHANGED):
    // what can be proved here is that every read asks for the version it opened.
    await storage.put('swap.pdf', chunks('first version'));
    const opened = (await storage.open('swap.pdf'))!;
    await s3.resetRequests();
    await opened.read(0, 5);
    await collect(opened.stream());
    const gets = (await requests()).filter((r) => r.method === 'GET');
    expect(gets).toHaveLength(2);
    for (const get of gets) expect(get.ifMatch).toBe(opened.info.identity);
  });

  it('lists lazily page by page, inside the prefix only, honouring limit', async () => {
    const paged = createS3Storage({
      client: createS3Client(connection()),
      bucket: s3.bucket,
      prefix: 'list-test',
      listPageSize: 2,
    });
    for (const name of ['a.pdf', 'b.pdf', 'c/d.pdf', 'e.pdf', 'f.pdf']) {
      await paged.put(name, chunks(name));
    }
    await storage.put('outside.pdf', chunks('x'));
    await s3.resetRequests();
    const all = [];
    for await (const o of paged.list()) all.push(o.path);
    expect(all.sort()).toEqual(['a.pdf', 'b.pdf', 'c/d.pdf', 'e.pdf', 'f.pdf']);
    // 5 keys in pages of 2: three ListObjectsV2 requests.
    expect((await requests()).filter((r) => r.url.includes('list-type=2'))).toHaveLength(3);
    await s3.resetRequests();
    const first = [];
    for await (const o of paged.list({ limit: 2 })) first.push(o.path);
    expect(first).toHaveLength(2);
    // Lazy: a limit met on the first page asks for no second page.
    expect((await requests()).filter((r) => r.url.includes('list-type=2'))).toHaveLength(1);
    const sub = [];
    for await (const o of paged.list({ prefix: 'c/' })) sub.push(o.path);
    expect(sub).toEqual(['c/d.pdf']);
  });

  it('deletes: true when there was an object, false when there was none', async () => {
    await storage.put('gone.epub', chunks('bye'));
    expect(await storage.delete('gone.epub')).toBe(true);
    expect(await storage.stat('gone.epub')).toBeUndefined();
    expect(await storage.delete('gone.epub')).toBe(false);
  });

  it('leaving a stream early aborts the request to the store', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 7);
    await storage.put('abort.pkg', chunks(big));
    const opened = (await storage.open('abort.pkg'))!;
    let seen = 0;
    for await (const c of opened.stream()) {
      seen += c.length;
      break;
    }
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(big.length);
    // The next request still works (the socket was not left half-read in the pool).
    expect((await collect(opened.stream({ start: 0, end: 3 }))).length).toBe(4);
  });

  it('describes itself without credentials or endpoint', () => {
    expect(storage.describe()).toBe('s3 bucket content (prefix jamf)');
  });
});

describe('failures are coded', () => {
  it('an unknown access key is STORAGE_ACCESS_DENIED (403), with no secret in the message', async () => {
    const denied = await openS3Storage(
      { kind: 's3', bucket: s3.bucket, prefix: '' },
      {
        ...connection(),
        credentials: async () => ({ accessKeyId: 'NOPE', secretAccessKey: 'very-secret' }),
      },
    );
    const err = await denied.stat('x.pdf').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(err).toMatchObject({ code: 'STORAGE_ACCESS_DENIED', status: 502 });
    expect(String((err as Error).message)).not.toContain('very-secret');
  });

  it('a store that is not there is STORAGE_UNAVAILABLE (503), promptly', async () => {
    const nowhere = await openS3Storage(
      { kind: 's3', bucket: 'content', prefix: '' },
      { ...connection(), endpoint: 'http://127.0.0.1:9' },
    );
    await expect(nowhere.stat('x.pdf')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
  });

  it('the start-up check passes for a reachable bucket, and names each failure', async () => {
    await checkS3Storage(storage);
    const missing = await openS3Storage(
      { kind: 's3', bucket: 'no-such-bucket', prefix: '' },
      connection(),
    );
    await expect(checkS3Storage(missing)).rejects.toMatchObject({
      code: 'STORAGE_BUCKET_UNREACHABLE',
    });
    const nowhere = await openS3Storage(
      { kind: 's3', bucket: 'content', prefix: '' },
      { ...connection(), endpoint: 'http://127.0.0.1:9' },
    );
    await expect(checkS3Storage(nowhere)).rejects.toMatchObject({
      code: 'STORAGE_BUCKET_UNREACHABLE',
    });
    const noCredentials = await openS3Storage(
      { kind: 's3', bucket: 'content', prefix: '' },
      {
        ...connection(),
        credentials: async () => {
          throw new Error('Could not load credentials from any providers');
        },
      },
    );
    await expect(checkS3Storage(noCredentials)).rejects.toMatchObject({
      code: 'STORAGE_CREDENTIALS_MISSING',
    });
    const denied = await openS3Storage(
      { kind: 's3', bucket: s3.bucket, prefix: '' },
      { ...connection(), credentials: async () => ({ accessKeyId: 'NOPE', secretAccessKey: 'x' }) },
    );
    await expect(checkS3Storage(denied)).rejects.toMatchObject({ code: 'STORAGE_ACCESS_DENIED' });
  });

  it('a credential lookup that never answers fails the check by its deadline', async () => {
    const hanging = await openS3Storage(
      { kind: 's3', bucket: 'content', prefix: '' },
      { ...connection(), credentials: () => new Promise(() => {}) },
    );
    await expect(checkS3Storage(hanging, 200)).rejects.toMatchObject({
      code: 'STORAGE_CREDENTIALS_MISSING',
    });
  });
});

describe('openContentStorage', () => {
  it('opens a directory for a plain path and a bucket for s3://', async () => {
    const disk = await openContentStorage(parseStorageLocation('/tmp'));
    expect(disk.describe()).toBe('disk');
    const bucket = await openContentStorage(parseStorageLocation(`s3://${s3.bucket}/jamf`), {
      s3: connection(),
    });
    expect(bucket.describe()).toBe('s3 bucket content (prefix jamf)');
    expect((await bucket.stat('apps/Über App.ipa'))?.size).toBe(16);
  });
});
