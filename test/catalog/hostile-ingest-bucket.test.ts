/**
 * The hardening issue's hostile suite on a bucket, at the public surface: `portcullis serve
 * --data … --storage s3://…` (the built binary) against a real S3-protocol server (s3rver).
 * The shared tests (hostile-ingest-suite.ts) find the files already in the bucket by the
 * start-up rescan and upload each through the admin API while a 1 KiB object keeps streaming
 * from the bucket; here, also, that the uploads went into the bucket and not to a local disk.
 */
import { randomBytes } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/storage/s3/client.js';
import { S3RVER_CREDENTIALS, startS3rver, type TestS3 } from '../helpers/s3rver.js';
import { hostileIngestSuite } from './hostile-ingest-suite.js';

let s3: TestS3;

describe('hostile files in a bucket never stall or kill the server', () => {
  const h = hostileIngestSuite({
    prefix: 'portcullis-hostile-s3-',
    rescanMs: 90_000,
    async prepare(_dir, _data, suite) {
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
      for (const f of suite) await put(`startup/${f.name}`, f.bytes);
      return {
        storageArgs: [
          '--storage',
          `s3://${s3.bucket}/fleet`,
          '--s3-endpoint',
          s3.endpoint,
          '--s3-path-style',
        ],
        env: s3.env,
      };
    },
    stop: () => s3?.stop() ?? Promise.resolve(),
  });

  it('each upload went into the bucket under the prefix', async () => {
    const keys = (await s3.requests())
      .filter((r) => r.method === 'PUT' || r.method === 'POST')
      .map((r) => decodeURIComponent(r.url.split('?')[0] ?? ''));
    for (const f of h.suite) {
      expect(keys, f.name).toContain(`/${s3.bucket}/fleet/uploads/${f.name}`);
    }
  });
});
