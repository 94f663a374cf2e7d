/**
 * CloudFront signed URLs (@aws-sdk/cloudfront-signer, canned policy: this URL until a time) for
 * delivery through a distribution whose origin is the bucket and which requires signed URLs
 * (a trusted key group). The URL path is the object's full key, so the distribution's origin
 * path must be empty; the private key is read once, at start-up, from a file.
 */
import { createPrivateKey } from 'node:crypto';
import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import type { ContentLinkRequest, ContentLinkSigner } from '../../contracts/content-link.js';
import { readRegularFileSync } from '../../keys/files.js';
import { StorageError } from '../errors.js';

/** Settings of CloudFront delivery. */
export interface CloudFrontOptions {
  /** The distribution's domain (`d111111abcdef8.cloudfront.net` or an alternate name). */
  domain: string;
  /** The public key's ID in CloudFront (`K2JCJMDEHXQW5F`). */
  keyPairId: string;
  /** PEM file of the RSA private key whose public key the distribution trusts. */
  privateKeyFile: string;
}

/**
 * CloudFront accepts signed URLs for a long time, but a download link should not outlive what
 * SigV4 allows either: one cap for both redirect modes.
 */
const CLOUDFRONT_MAX_LIFETIME_SECONDS = 7 * 86400;

/**
 * Percent-encodes each key segment, '/' kept between them. `!'()*` stay as they are: the
 * signer's URL parsing keeps them literal, and the policy must name the URL exactly as sent.
 */
function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** An RSA private key PEM is a few kilobytes; anything far larger is not one. */
const KEY_FILE_MAX_BYTES = 64 * 1024;

/**
 * Reads the key (refusing a file that is not an RSA private key) and returns the signer.
 * `keyOf` maps a content path to the object key (the bucket prefix joined).
 */
export async function createCloudFrontSigner(
  options: CloudFrontOptions,
  keyOf: (path: string) => string,
): Promise<ContentLinkSigner> {
  let pem: string;
  try {
    // Never blocks on a FIFO or device; refuses anything but a small regular file.
    pem = readRegularFileSync(options.privateKeyFile, KEY_FILE_MAX_BYTES).toString('utf8');
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
  } catch {
    throw new StorageError(
      'STORAGE_DELIVERY_INVALID',
      `portcullis: --cloudfront-private-key-file ${options.privateKeyFile} is not a readable RSA private key (a regular PEM file of at most 64 KiB)`,
    );
  }
  const domain = options.domain.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
  return {
    maxLifetimeSeconds: CLOUDFRONT_MAX_LIFETIME_SECONDS,
    sign(request: ContentLinkRequest): string {
      const seconds = Math.max(
        1,
        Math.min(request.expiresInSeconds, CLOUDFRONT_MAX_LIFETIME_SECONDS),
      );
      return getSignedUrl({
        url: `https://${domain}/${encodeKey(keyOf(request.path))}`,
        keyPairId: options.keyPairId,
        privateKey: pem,
        dateLessThan: new Date(request.issuedAt + seconds * 1000),
      });
    },
    describe: () => `cloudfront ${domain}`,
  };
}
