// The catalog on a bucket that cannot be reached: every admin catalog route that touches storage
// (rescan, upload, delete) answers 503 CONTENT_ROOT_UNAVAILABLE as docs/catalog.md promises —
// not 500 INTERNAL_ERROR — and the log names the storage code. The "bucket" is a real S3 client
// pointed at a loopback port nothing listens on.

import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/storage/s3/client.js';
import { createS3Storage } from '../../src/storage/s3/storage.js';
import { type AdminFixture, addAccount, adminFixture, bearer, login } from './helpers.js';

let fx: AdminFixture;
let base: string;
let admin: Record<string, string>;
const logLines: Record<string, unknown>[] = [];

/** A loopback port that was free a moment ago: connections to it are refused. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  const storage = createS3Storage({
    client: createS3Client({
      endpoint: `http://127.0.0.1:${await deadPort()}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: async () => ({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }),
    }),
    bucket: 'content',
    prefix: 'jamf',
  });
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) logLines.push(JSON.parse(line));
      done();
    },
  });
  fx = await adminFixture({ contentStorage: storage, logger: pino({ level: 'info' }, sink) });
  await addAccount(fx.store, 'alice', 'admin');
  admin = bearer(await login(fx.app, 'alice'));
  await fx.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(fx.app.server.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  await fx?.close();
});

describe('admin catalog routes on an unreachable bucket', () => {
  const cases: [string, string, RequestInit][] = [
    ['rescan', '/api/v1/content/rescan', { method: 'POST' }],
    ['upload', '/api/v1/content/apps/App.ipa', { method: 'PUT', body: 'PK\u0003\u0004 bytes' }],
    ['delete', '/api/v1/content/apps/App.ipa', { method: 'DELETE' }],
  ];
  for (const [name, path, init] of cases) {
    it(`${name}: 503 CONTENT_ROOT_UNAVAILABLE, and the log names the storage code`, async () => {
      const before = logLines.length;
      const res = await fetch(`${base}${path}`, {
        ...init,
        headers: init.body ? { ...admin, 'content-type': 'application/octet-stream' } : admin,
      });
      const body = (await res.json()) as { code: string; detail: string };
      expect(res.status).toBe(503);
      expect(body.code).toBe('CONTENT_ROOT_UNAVAILABLE');
      // The store's own words (operation, error name, endpoint) stay in the log.
      expect(JSON.stringify(body)).not.toMatch(/HeadObject|ListObjects|ECONNREFUSED|127\.0\.0\.1/);
      const logged = logLines.slice(before).find((l) => l.msg === 'content store request failed');
      expect(logged).toMatchObject({
        code: 'CONTENT_ROOT_UNAVAILABLE',
        storageCode: 'STORAGE_UNAVAILABLE',
      });
    }, 30_000);
  }
});
