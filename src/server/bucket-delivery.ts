/**
 * Opens a process's bucket route at start-up: the bucket (checked: credentials, region,
 * HeadBucket — a failure stops the start with a coded error), and for redirect delivery the
 * link signer (S3 presign or CloudFront). The AWS SDK is loaded here, only for `s3://` storage.
 */
import type { Logger } from 'pino';
import { reuseSignedLinks } from '../storage/link-cache.js';
import { checkS3Bucket, openContentLinkSigner, openS3Storage } from '../storage/open.js';
import { type BucketRoute, createBucketRoute } from './bucket-route.js';
import { bucketLocationOf, type ServeConfig } from './config.js';
import type { ServeMetrics } from './metrics.js';

/** The bucket route for `config`, or null when content is not in a bucket. */
export async function openBucketRoute(
  config: ServeConfig,
  metrics: ServeMetrics,
  logger: Logger,
  clock?: () => number,
): Promise<BucketRoute | null> {
  const location = bucketLocationOf(config);
  if (location === null) return null;
  const storage = await openS3Storage(location, {
    ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}),
    ...(config.s3Region ? { region: config.s3Region } : {}),
    forcePathStyle: config.s3PathStyle,
  });
  await checkS3Bucket(storage);
  const signer =
    config.delivery === 'stream'
      ? null
      : reuseSignedLinks(
          await openContentLinkSigner(
            storage,
            config.delivery === 'redirect'
              ? { mode: 'redirect' }
              : {
                  mode: 'cloudfront',
                  domain: config.cloudfrontDomain!,
                  keyPairId: config.cloudfrontKeyPairId!,
                  privateKeyFile: config.cloudfrontPrivateKeyFile!,
                },
          ),
        );
  logger.info(
    { storage: storage.describe(), delivery: config.delivery, signer: signer?.describe() },
    'content from a bucket',
  );
  return createBucketRoute({
    config,
    storage,
    signer,
    metrics,
    logger,
    ...(clock ? { clock } : {}),
  });
}
