/**
 * The one factory that opens content storage from a parsed `--storage` location: a directory
 * (the default shape) or an S3-compatible bucket. The S3 code — and the AWS SDK under it — is
 * loaded with `import()` only when a bucket is named, so a disk deployment never pays for it.
 */
import type { ContentLinkSigner } from '../contracts/content-link.js';
import type { ContentStorage } from '../contracts/content-storage.js';
import { createDiskStorage } from './disk.js';
import type { StorageLocation } from './location.js';
import type { S3ConnectionOptions } from './s3/client.js';
import type { CloudFrontOptions } from './s3/cloudfront.js';
import type { S3ContentStorage } from './s3/storage.js';

/** Options of {@link openContentStorage}; `s3` matters only for an `s3://` location. */
export interface OpenStorageOptions {
  s3?: S3ConnectionOptions;
}

/**
 * Opens the storage at `location`. Opening does not contact a bucket: the start-up check
 * (`checkS3Storage`) does that, so a caller decides when a failure may stop a start.
 * @example const storage = await openContentStorage(parseStorageLocation('s3://fleet/jamf'), { s3: { region: 'eu-west-1' } });
 */
export async function openContentStorage(
  location: StorageLocation,
  options: OpenStorageOptions = {},
): Promise<ContentStorage> {
  if (location.kind === 'disk') return createDiskStorage(location.root);
  return openS3Storage(location, options.s3 ?? {});
}

/** Opens a bucket location (the S3-only features — presigning — need the S3 type). */
export async function openS3Storage(
  location: Extract<StorageLocation, { kind: 's3' }>,
  connection: S3ConnectionOptions,
): Promise<S3ContentStorage> {
  const [{ createS3Client }, { createS3Storage }] = await Promise.all([
    import('./s3/client.js'),
    import('./s3/storage.js'),
  ]);
  return createS3Storage({
    client: createS3Client(connection),
    bucket: location.bucket,
    prefix: location.prefix,
  });
}

/** How verified downloads leave a bucket: by redirect to a presigned URL, or through CloudFront. */
export type LinkDelivery = { mode: 'redirect' } | ({ mode: 'cloudfront' } & CloudFrontOptions);

/**
 * The signer of redirect links for a bucket (loaded only for these delivery modes).
 * @throws StorageError STORAGE_DELIVERY_INVALID for an unreadable CloudFront key
 */
export async function openContentLinkSigner(
  storage: S3ContentStorage,
  delivery: LinkDelivery,
): Promise<ContentLinkSigner> {
  if (delivery.mode === 'redirect') {
    const { createPresigner } = await import('./s3/presign.js');
    return createPresigner(storage);
  }
  const { createCloudFrontSigner } = await import('./s3/cloudfront.js');
  return createCloudFrontSigner(delivery, storage.keyOf);
}

/**
 * The start-up check of a bucket (credentials, region, HeadBucket, under a deadline).
 * @throws StorageError naming what failed
 */
export async function checkS3Bucket(storage: S3ContentStorage): Promise<void> {
  const { checkS3Storage } = await import('./s3/check.js');
  await checkS3Storage(storage);
}
