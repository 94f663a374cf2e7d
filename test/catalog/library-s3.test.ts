/**
 * The admin and catalog on a bucket (issue 13): uploads through the real admin API (HTTP on
 * loopback) stream into a real S3-protocol server (s3rver) as multipart uploads, hashed on the
 * way; metadata is read with ranged reads — counted here, and far below the object's size;
 * rescan lists the bucket; and every hostile file of the hardening suite uploaded into the
 * bucket is recorded as unreadable with its code. s3rver checks no signatures; nothing here
 * relies on one.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CatalogError } from '../../src/catalog/errors.js';
import { MetadataExtractor } from '../../src/catalog/extract-pool.js';
import type { ContentStorage, OpenedObject } from '../../src/contracts/content-storage.js';
import { createS3Client } from '../../src/storage/s3/client.js';
import { createS3Storage, type S3ContentStorage } from '../../src/storage/s3/storage.js';
import { type AdminFixture, addAccount, adminFixture, bearer, login } from '../admin/helpers.js';
import { ensureBuilt } from '../helpers/dist.js';
import { hostileSuite, storedZip } from '../helpers/hostile-files.mjs';
import { S3RVER_CREDENTIALS, startS3rver, type TestS3 } from '../helpers/s3rver.js';
import { buildXar, packageInfoXml } from '../helpers/xar-writer.js';

const MiB = 1024 * 1024;
const PREFIX = 'jamf';

/** What the catalog fetched from storage: by ranged reads, and by whole-object streams. */
const fetched = { read: 0, stream: 0 };

/** Counts the bytes the catalog pulls out of the bucket (the S3 backend underneath is real). */
function counting(storage: ContentStorage): ContentStorage {
  const wrap = (o: OpenedObject): OpenedObject => ({
    info: o.info,
    async read(offset, length) {
      const bytes = await o.read(offset, length);
      fetched.read += bytes.length;
      return bytes;
    },
    async *stream(range) {
      for await (const chunk of o.stream(range)) {
        fetched.stream += chunk.length;
        yield chunk;
      }
    },
    // The serving relay's path; the catalog never takes it.
    readable: (range) => o.readable(range),
    close: () => o.close(),
  });
  return {
    ...storage,
    open: async (path) => {
      const o = await storage.open(path);
      return o ? wrap(o) : undefined;
    },
  };
}

let s3: TestS3;
let bucket: S3ContentStorage;
let fx: AdminFixture;
let base: string;
let admin: Record<string, string>;

function xmlPlist(id: string): Buffer {
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>CFBundleIdentifier</key><string>${id}</string><key>CFBundleShortVersionString</key><string>2.5</string><key>CFBundleVersion</key><string>250</string></dict></plist>`,
  );
}

/** An .ipa of `size` bytes: the (stored, random) executable first, Info.plist after it. */
function bigIpa(size: number): Buffer {
  return storedZip([
    { name: 'Payload/Big.app/Big', data: randomBytes(size) },
    { name: 'Payload/Big.app/Info.plist', data: xmlPlist('com.example.big') },
  ]);
}

/** A flat package with a `size`-byte payload after its PackageInfo. */
function bigPkg(size: number): Buffer {
  return buildXar([
    { path: 'PackageInfo', data: packageInfoXml('com.example.bigpkg', '7.1', '/Applications') },
    { path: 'Payload', data: randomBytes(size), encoding: 'none' },
  ]);
}

async function put(path: string, body: Buffer): Promise<Response> {
  return fetch(`${base}/api/v1/content/${path}`, {
    method: 'PUT',
    headers: { ...admin, 'content-type': 'application/octet-stream' },
    body: new Uint8Array(body),
  });
}

async function record(path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}/api/v1/content/${path}`, { headers: admin });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

function chunkDigests(bytes: Buffer, algorithm: 'md5' | 'sha256'): string[] {
  const out: string[] = [];
  for (let at = 0; at < bytes.length; at += 10 * MiB) {
    out.push(
      createHash(algorithm)
        .update(bytes.subarray(at, at + 10 * MiB))
        .digest('hex'),
    );
  }
  return out;
}

beforeAll(async () => {
  ensureBuilt(); // the extraction worker runs from dist/
  s3 = await startS3rver();
  bucket = createS3Storage({
    client: createS3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: async () => ({ ...S3RVER_CREDENTIALS }),
    }),
    bucket: s3.bucket,
    prefix: PREFIX,
    partSize: 5 * MiB, // the S3 minimum: a 12 MiB upload is three parts
  });
  fx = await adminFixture({ contentStorage: counting(bucket) });
  await fx.store.settings.set('catalog.maxUploadBytes', String(64 * MiB));
  await addAccount(fx.store, 'alice', 'admin');
  admin = bearer(await login(fx.app, 'alice'));
  await fx.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(fx.app.server.address() as AddressInfo).port}`;
}, 120_000);
afterAll(async () => {
  await fx?.close();
  await s3?.stop();
});
beforeEach(async () => {
  fetched.read = 0;
  fetched.stream = 0;
  await s3.resetRequests();
});

describe('uploads into a bucket', () => {
  it('streams a 12 MiB package in as a multipart upload, hashed in the same pass', async () => {
    const bytes = bigPkg(12 * MiB);
    const res = await put('pkgs/Big%20Agent.pkg', bytes);
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      path: 'pkgs/Big Agent.pkg',
      kind: 'package',
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    // The store saw a multipart upload: initiate, three 5 MiB+ parts, complete.
    const requests = await s3.requests();
    const key = `/${s3.bucket}/${PREFIX}/pkgs/Big%20Agent.pkg`;
    expect(
      requests.filter((r) => r.method === 'POST' && r.url.startsWith(`${key}?uploads`)),
    ).toHaveLength(1);
    expect(
      requests.filter((r) => r.method === 'PUT' && /[?&]partNumber=\d/.test(r.url)).length,
    ).toBe(3);
    // The object in the bucket is exactly what was sent.
    const stored = await bucket.open('pkgs/Big Agent.pkg');
    const back: Buffer[] = [];
    for await (const c of stored?.stream() ?? []) back.push(Buffer.from(c));
    await stored?.close();
    expect(Buffer.concat(back).equals(bytes)).toBe(true);
    // Hashes (whole MD5 and the manifest's 10 MiB chunk lists) came from the upload's one pass:
    // the object was never streamed back, only a few ranges were read for its metadata.
    // The API shows a chunk count; the manifests use the lists the store holds.
    const meta = (await fx.store.content.get('pkgs/Big Agent.pkg'))?.metadata ?? {};
    expect(
      ((await record('pkgs/Big%20Agent.pkg')).metadata as { chunkCount: number }).chunkCount,
    ).toBe(2);
    expect(meta.md5).toBe(createHash('md5').update(bytes).digest('hex'));
    expect(meta.chunkHashes).toEqual({
      chunkSize: 10 * MiB,
      md5s: chunkDigests(bytes, 'md5'),
      sha256s: chunkDigests(bytes, 'sha256'),
    });
    expect(meta.identifier ?? meta.bundleId ?? JSON.stringify(meta)).toContain(
      'com.example.bigpkg',
    );
    expect(fetched.stream).toBe(0);
    expect(fetched.read).toBeGreaterThan(0);
    expect(fetched.read).toBeLessThan(bytes.length / 20);
  });

  it('reads an .ipa’s metadata from its central directory: a 20 MiB app costs < 1 MiB', async () => {
    const bytes = bigIpa(20 * MiB);
    const res = await put('apps/Big.ipa', bytes);
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(JSON.stringify(body)).toContain('com.example.big');
    expect(fetched.stream).toBe(0);
    expect(fetched.read).toBeGreaterThan(0);
    expect(fetched.read).toBeLessThan(MiB);
    // Ranged GETs, not one GET of the whole object: a whole read would be 20 MiB.
    const gets = (await s3.requests()).filter(
      (r) => r.method === 'GET' && r.url.includes('/apps/Big.ipa'),
    );
    expect(gets.length).toBeGreaterThan(0);
  });

  it('refuses an upload over the limit with its own code and leaves no object', async () => {
    await fx.store.settings.set('catalog.maxUploadBytes', String(6 * MiB));
    try {
      const res = await put('apps/too-big.ipa', bigIpa(7 * MiB));
      expect(res.status).toBe(413);
      expect(((await res.json()) as { code: string }).code).toBe('UPLOAD_TOO_LARGE');
      expect(await bucket.stat('apps/too-big.ipa')).toBeUndefined();
    } finally {
      await fx.store.settings.set('catalog.maxUploadBytes', String(64 * MiB));
    }
  });

  it('honours If-None-Match: * before a byte reaches the bucket', async () => {
    expect((await put('apps/once.ipa', bigIpa(1024))).status).toBe(201);
    await s3.resetRequests();
    const res = await fetch(`${base}/api/v1/content/apps/once.ipa`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/octet-stream', 'if-none-match': '*' },
      body: new Uint8Array(bigIpa(2048)),
    });
    expect(res.status).toBe(412);
    expect((await s3.requests()).filter((r) => r.method === 'PUT' || r.method === 'POST')).toEqual(
      [],
    );
  });
});

describe('the console’s upload (multipart POST) and hostile paths on a bucket', () => {
  it('a multipart upload with a path field streams into the bucket like a PUT', async () => {
    const bytes = bigPkg(6 * MiB);
    const form = new FormData();
    form.append('path', 'console/Agent.pkg');
    form.append('file', new Blob([new Uint8Array(bytes)]), 'ignored.pkg');
    const res = await fetch(`${base}/api/v1/content`, {
      method: 'POST',
      headers: admin,
      body: form,
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      path: 'console/Agent.pkg',
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect(await bucket.stat('console/Agent.pkg')).toMatchObject({ size: bytes.length });
    expect(fetched.stream).toBe(0);
  });

  it('refuses keys that would leave the prefix before any request reaches the bucket', async () => {
    for (const path of [
      '..%2Fother%2Fx.ipa',
      'a%2F..%2F..%2Fx.ipa',
      '%2E%2E/x.ipa',
      '.hidden.ipa',
    ]) {
      await s3.resetRequests();
      const res = await put(path, bigIpa(64));
      // 400 PATH_INVALID; `%2E%2E` is resolved by fetch itself into another route (404).
      expect([400, 404], path).toContain(res.status);
      expect(await s3.requests(), path).toEqual([]);
    }
  });
});

describe('rescan of a bucket', () => {
  it('catalogues objects copied in by other means and forgets deleted ones', async () => {
    const ipa = bigIpa(4096);
    await bucket.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: `${PREFIX}/dropped/Copied App.ipa`,
        Body: ipa,
      }),
    );
    await bucket.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: `${PREFIX}/.hidden/x.ipa`, Body: ipa }),
    );
    const scan = async () => {
      const res = await fetch(`${base}/api/v1/content/rescan`, { method: 'POST', headers: admin });
      expect(res.status).toBe(200);
      return (await res.json()) as { added: string[]; removed: string[] };
    };
    const first = await scan();
    expect(first.added).toContain('dropped/Copied App.ipa');
    expect(first.added).not.toContain('.hidden/x.ipa');
    // Objects uploaded earlier in this file are unchanged (the record keeps the bucket's
    // LastModified): only the one new object was streamed, once, to hash it.
    expect((first as { updated?: string[] }).updated).toEqual([]);
    expect(fetched.stream).toBe(ipa.length);
    const rec = await record('dropped/Copied%20App.ipa');
    expect(rec).toMatchObject({
      size: ipa.length,
      sha256: createHash('sha256').update(ipa).digest('hex'),
    });
    expect(JSON.stringify(rec)).toContain('com.example.big');
    await bucket.client.send(
      new DeleteObjectCommand({ Bucket: s3.bucket, Key: `${PREFIX}/dropped/Copied App.ipa` }),
    );
    const second = await scan();
    expect(second.removed).toEqual(['dropped/Copied App.ipa']);
  });
});

describe('hostile files in a bucket', () => {
  it('records every file of the hardening suite as unreadable with its code', async () => {
    for (const f of hostileSuite()) {
      const res = await put(`hostile/${encodeURIComponent(f.name)}`, f.make());
      expect(res.status, f.name).toBe(201);
      const body = (await res.json()) as { metadata?: Record<string, unknown> };
      const full = await record(`hostile/${encodeURIComponent(f.name)}`);
      expect((full.metadata as Record<string, unknown>).unreadableCode, f.name).toBe(f.code);
      expect(body).toBeDefined();
    }
  }, 240_000);

  it('a reader that asks for more bytes than a file may cost is refused (METADATA_BUDGET_EXCEEDED)', async () => {
    const bytes = bigPkg(2 * MiB);
    await bucket.put(
      'budget/p.pkg',
      (async function* () {
        yield bytes;
      })(),
    );
    const opened = await bucket.open('budget/p.pkg');
    if (!opened) throw new Error('not stored');
    const extractor = new MetadataExtractor({ maxFetchBytes: 16 });
    try {
      const source = { size: opened.info.size, read: (o: number, l: number) => opened.read(o, l) };
      const err = await extractor.extract(source, 'p.pkg').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CatalogError);
      expect((err as CatalogError).code).toBe('METADATA_BUDGET_EXCEEDED');
    } finally {
      await extractor.close();
      await opened.close();
    }
  });
});
