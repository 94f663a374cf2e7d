/**
 * S3 presigned URLs (SigV4 query signing, @aws-sdk/s3-request-presigner) for redirect delivery:
 * GET or HEAD of one object, with the download's name and type as response overrides, valid for
 * the lifetime the caller chose (at most 7 days, the SigV4 limit).
 */
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ContentLinkRequest, ContentLinkSigner } from '../../contracts/content-link.js';
import { storageFailure } from './errors.js';
import type { S3ContentStorage } from './storage.js';

/** SigV4 presigned URLs may live at most 7 days. */
export const SIGV4_MAX_LIFETIME_SECONDS = 7 * 86400;

/**
 * `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): an ASCII fallback with quotes and
 * backslashes replaced, and the exact name percent-encoded.
 * @example contentDisposition('Über App.ipa') // attachment; filename="_ber App.ipa"; filename*=UTF-8''%C3%9Cber%20App.ipa
 */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const exact = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

/**
 * A signer of presigned GET/HEAD URLs for objects of `storage`.
 * @example const url = await createPresigner(storage).sign({ path: 'a.pkg', method: 'GET', expiresInSeconds: 900, fileName: 'a.pkg', contentType: 'application/octet-stream' });
 */
export function createPresigner(storage: S3ContentStorage): ContentLinkSigner {
  const { client, bucket } = storage;
  return {
    maxLifetimeSeconds: SIGV4_MAX_LIFETIME_SECONDS,
    async sign(request: ContentLinkRequest): Promise<string> {
      const input = {
        Bucket: bucket,
        Key: storage.keyOf(request.path),
        ResponseContentDisposition: contentDisposition(request.fileName),
        ResponseContentType: request.contentType,
        ResponseCacheControl: 'private, no-store, no-transform',
      };
      const command =
        request.method === 'HEAD' ? new HeadObjectCommand(input) : new GetObjectCommand(input);
      const expiresIn = Math.max(1, Math.min(request.expiresInSeconds, SIGV4_MAX_LIFETIME_SECONDS));
      try {
        return await getSignedUrl(client, command, {
          expiresIn,
          signingDate: new Date(request.issuedAt),
        });
      } catch (err) {
        // Presigning is local (no request to the store); it fails only without credentials.
        throw storageFailure(err, 'presign');
      }
    },
    describe: () => `s3 presigned (bucket ${bucket})`,
  };
}
