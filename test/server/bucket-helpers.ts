// Shared set-up of the bucket serve tests: s3rver with a few objects, the AWS SDK chain pointed at
// it through the environment (as an operator would), and a Portcullis listener per delivery mode.
import type { RunningServer } from '../../src/app/serve.js';
import { openS3Storage } from '../../src/storage/open.js';
import type { S3ContentStorage } from '../../src/storage/s3/storage.js';
import { S3RVER_CREDENTIALS, startS3rver, type TestS3 } from '../helpers/s3rver.js';
import { makeKey, startQuiet, type TestKey } from './serve-helpers.js';

/** A store with content, and the storage that wrote it. */
export interface BucketFixture {
  s3: TestS3;
  storage: S3ContentStorage;
  key: TestKey;
  keySource: {
    load: () => Promise<{ key: TestKey['publicKey']; label: string }[]>;
    describe: () => string;
  };
}

/** Starts s3rver, sets the SDK's environment chain to it, and stores `objects` under `jamf/`. */
export async function bucketFixture(
  objects: Record<string, Uint8Array | string>,
): Promise<BucketFixture> {
  const s3 = await startS3rver();
  Object.assign(process.env, s3.env);
  const storage = await openS3Storage(
    { kind: 's3', bucket: s3.bucket, prefix: 'jamf' },
    {
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: async () => ({ ...S3RVER_CREDENTIALS }),
    },
  );
  for (const [name, body] of Object.entries(objects)) {
    await storage.put(
      name,
      (async function* () {
        yield typeof body === 'string' ? new TextEncoder().encode(body) : body;
      })(),
    );
  }
  const key = makeKey();
  return {
    s3,
    storage,
    key,
    keySource: {
      load: async () => [{ key: key.publicKey, label: 'test' }],
      describe: () => 'test key',
    },
  };
}

/** A quiet listener serving the fixture's bucket in `delivery` mode. */
export function startBucketServer(
  f: BucketFixture,
  delivery: 'stream' | 'redirect',
  extra: Record<string, unknown> = {},
): Promise<RunningServer> {
  return startQuiet({
    storage: `s3://${f.s3.bucket}/jamf`,
    s3Endpoint: f.s3.endpoint,
    s3PathStyle: true,
    delivery,
    keySource: f.keySource,
    admin: false,
    ...extra,
  });
}
