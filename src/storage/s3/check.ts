/**
 * The start-up check of a bucket: credentials found, region known, bucket reachable and readable
 * with them. It runs before a node listens, under a deadline, so a misconfigured node exits with
 * a coded error instead of answering devices with 502s — or hanging on a black-holed endpoint.
 */
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { withinDeadline } from '../../errors/deadline.js';
import { StorageError } from '../errors.js';
import { isNotFound, storageFailure, storeStatusOf } from './errors.js';
import type { S3ContentStorage } from './storage.js';

/** How long the whole check may take before the start fails (ms). */
const CHECK_DEADLINE_MS = 15_000;

/**
 * Resolves credentials and region, then HeadBucket. Throws a coded StorageError naming the
 * store's error code (never a credential) when any step fails.
 */
export async function checkS3Storage(
  storage: S3ContentStorage,
  deadlineMs = CHECK_DEADLINE_MS,
): Promise<void> {
  const { client, bucket } = storage;
  try {
    await client.config.region();
  } catch {
    throw new StorageError('STORAGE_REGION_MISSING', 'portcullis: the bucket region is not set');
  }
  try {
    await withDeadline(client.config.credentials(), deadlineMs);
  } catch (err) {
    if (err instanceof StorageError) throw err;
    throw new StorageError(
      'STORAGE_CREDENTIALS_MISSING',
      `portcullis: no credentials for s3://${bucket} in the AWS SDK chain`,
    );
  }
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }), {
      abortSignal: AbortSignal.timeout(deadlineMs),
    });
  } catch (err) {
    if (isNotFound(err)) {
      throw new StorageError(
        'STORAGE_BUCKET_UNREACHABLE',
        `portcullis: bucket s3://${bucket} does not exist at this endpoint`,
      );
    }
    const status = storeStatusOf(err);
    const failure = storageFailure(err, 'HeadBucket');
    if (failure.code === 'STORAGE_ACCESS_DENIED') {
      throw new StorageError(
        'STORAGE_ACCESS_DENIED',
        `portcullis: s3://${bucket} refused these credentials (${status ?? 'no status'}); check the IAM policy and --s3-region`,
      );
    }
    if (failure.code === 'STORAGE_UNAVAILABLE') {
      throw new StorageError(
        'STORAGE_BUCKET_UNREACHABLE',
        `portcullis: s3://${bucket} could not be reached (${failure.message.replace(/^.*\(|\)$/g, '')}); check --s3-endpoint and the network`,
      );
    }
    throw failure;
  }
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  return withinDeadline(
    work,
    ms,
    () =>
      new StorageError(
        'STORAGE_CREDENTIALS_MISSING',
        'portcullis: looking up bucket credentials timed out',
      ),
  );
}
