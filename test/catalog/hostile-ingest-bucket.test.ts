/**
 * The hardening issue's hostile suite on a bucket, at the public surface: `portcullis serve
 * --data … --storage s3://…` (the built binary) against a real S3-protocol server (s3rver).
 * Files already in the bucket are found by the start-up rescan, files uploaded through the admin
 * API stream into the bucket — each recorded as unreadable with the same code as on disk — and
 * the same process keeps streaming a 1 KiB object from the bucket meanwhile.
 */

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/storage/s3/client.js';
import { ensureBuilt } from '../helpers/dist.js';
import { type HostileFile, hostileSuite } from '../helpers/hostile-files.mjs';
import {
  adminToken,
  type DataDir,
  downloadToken,
  listContent,
  prepareDataDir,
  probeWhile,
  type ServeChild,
  startServe,
  upload,
} from '../helpers/hostile-serve.mjs';
import { S3RVER_CREDENTIALS, startS3rver, type TestS3 } from '../helpers/s3rver.js';

let dir: string;
let data: DataDir;
let s3: TestS3;
let serve: ServeChild;
let admin: string;
let smallUrl: string;
const suite: (HostileFile & { bytes: Buffer })[] = [];

async function records(): Promise<Map<string, Record<string, unknown>>> {
  return new Map((await listContent(serve.adminUrl, admin)).map((r) => [r.path as string, r]));
}

async function whileDownloading<T>(fn: () => Promise<T>): Promise<T> {
  const probe = probeWhile(smallUrl, serve.pid);
  const result = await fn();
  const stats = await probe.stop();
  expect(stats.failures).toBe(0);
  expect(stats.downloads).toBeGreaterThan(0);
  expect(serve.alive()).toBe(true);
  return result;
}

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'portcullis-hostile-s3-'));
  data = prepareDataDir(dir);
  s3 = await startS3rver();
  const client = createS3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: async () => ({ ...S3RVER_CREDENTIALS }),
  });
  const put = (key: string, body: Uint8Array) =>
    client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `fleet/${key}`, Body: body }));
  await put('small.bin', randomBytes(1024));
  for (const f of hostileSuite()) {
    const bytes = f.make();
    suite.push({ ...f, bytes });
    // Already in the bucket when the server starts: the start-up rescan reads them.
    await put(`startup/${f.name}`, bytes);
  }
  serve = await startServe(data, {
    storageArgs: [
      '--storage',
      `s3://${s3.bucket}/fleet`,
      '--s3-endpoint',
      s3.endpoint,
      '--s3-path-style',
    ],
    env: s3.env,
  });
  admin = await adminToken(serve.adminUrl);
  smallUrl = `${serve.url}/small.bin?token=${downloadToken(data.privateKey)}`;
}, 180_000);

afterAll(async () => {
  await serve?.stop();
  await s3?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('hostile files in a bucket never stall or kill the server', () => {
  it('the start-up rescan of the bucket records each one as unreadable with its code', async () => {
    await whileDownloading(async () => {
      const deadline = Date.now() + 90_000;
      let found = await records();
      while (suite.some((f) => !found.has(`startup/${f.name}`)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        found = await records();
      }
      for (const f of suite) {
        expect(found.get(`startup/${f.name}`), f.name).toMatchObject({
          readable: false,
          unreadableCode: f.code,
        });
      }
    });
  }, 120_000);

  it('an upload through the admin API goes into the bucket, recorded as unreadable with its code', async () => {
    for (const f of suite) {
      const res = await whileDownloading(() =>
        upload(serve.adminUrl, admin, `uploads/${f.name}`, f.bytes),
      );
      expect(res.status, f.name).toBe(201);
      expect(res.body, f.name).toMatchObject({ readable: false, unreadableCode: f.code });
    }
    const keys = (await s3.requests())
      .filter((r) => r.method === 'PUT' || r.method === 'POST')
      .map((r) => decodeURIComponent(r.url.split('?')[0] ?? ''));
    for (const f of suite) expect(keys, f.name).toContain(`/${s3.bucket}/fleet/uploads/${f.name}`);
  }, 180_000);
});
