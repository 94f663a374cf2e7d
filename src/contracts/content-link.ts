/**
 * The port of delivery by redirect: after a download's token verified, the listener answers
 * `302` to a short-lived URL that the store (or the CDN in front of it) checks by itself — an S3
 * presigned GET (SigV4), or a CloudFront signed URL. Portcullis then carries no content bytes.
 * Implemented in src/storage/s3/ (presign.ts, cloudfront.ts); used by src/server/bucket-route.ts.
 */

/** What one signed link is for. */
export interface ContentLinkRequest {
  /** The content path (relative, '/'-separated, already checked), never a URL from the request. */
  path: string;
  /** GET, or HEAD (an S3 presigned URL is bound to its method). */
  method: 'GET' | 'HEAD';
  /** Seconds the link stays valid; the caller has already capped it at `maxLifetimeSeconds`. */
  expiresInSeconds: number;
  /** Name the download is saved under (Content-Disposition), where the store can set it. */
  fileName: string;
  /** Content-Type the store should answer with, where it can set it per request. */
  contentType: string;
  /** When the link's validity starts (epoch ms); it expires `expiresInSeconds` later. */
  issuedAt: number;
}

/** Makes signed links to content; never puts the device's Jamf token in them. */
export interface ContentLinkSigner {
  /** The longest lifetime the store accepts (SigV4 presigned URLs: 7 days). */
  readonly maxLifetimeSeconds: number;
  /** Signs a link for one request. */
  sign(request: ContentLinkRequest): string | Promise<string>;
  /** Short description for logs (`s3 presigned`, `cloudfront d111.cloudfront.net`). */
  describe(): string;
}
