/**
 * The ContentStorage contract against the S3 backend on a real S3-protocol server (s3rver,
 * started once for this file); each case gets its own key prefix, so an empty storage.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { openS3Storage } from '../../src/storage/open.js';
import { S3RVER_CREDENTIALS, startS3rver, type TestS3 } from '../helpers/s3rver.js';
import { storageContract } from './contract.js';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3rver();
}, 60_000);
afterAll(async () => {
  await s3?.stop();
});

storageContract(
  'S3 bucket (s3rver)',
  async () => ({
    storage: await openS3Storage(
      { kind: 's3', bucket: s3.bucket, prefix: `t-${randomBytes(6).toString('hex')}` },
      {
        endpoint: s3.endpoint,
        region: s3.region,
        forcePathStyle: true,
        credentials: async () => ({ ...S3RVER_CREDENTIALS }),
      },
    ),
    cleanup: async () => {},
  }),
  {
    // s3rver ignores If-Match on GET (test/helpers/s3rver.ts); the S3 backend's own tests check
    // that the header is sent.
    serverPinsVersions: false,
  },
);
