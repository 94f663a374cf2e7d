/**
 * The body of an upload on its way into storage: counted against the size limit, checked
 * against the declared length, and hashed (SHA-256, MD5 and the manifest's chunk hashes) in the
 * same single pass. It throws before its last chunk when the upload is too large or incomplete,
 * so the storage backend aborts the write (a temp file removed, a multipart upload aborted) and
 * nothing partial ever becomes visible.
 */
import { CatalogError } from './errors.js';
import type { ContentHasher } from './hash.js';

/** Limits of one upload body. */
export interface UploadLimits {
  maxBytes: number;
  /** The declared length (Content-Length); a body that ends short of it is refused. */
  expectedLength?: number;
}

/**
 * Passes `source` through, counting and hashing each chunk into `hasher`.
 * @throws CatalogError UPLOAD_TOO_LARGE, UPLOAD_INCOMPLETE; the source's own errors pass through
 * @example await storage.put(path, meteredUpload(request.raw, { maxBytes }, hasher));
 */
export async function* meteredUpload(
  source: NodeJS.ReadableStream | AsyncIterable<Uint8Array>,
  limits: UploadLimits,
  hasher: ContentHasher,
): AsyncIterable<Uint8Array> {
  for await (const raw of source as AsyncIterable<Uint8Array | string>) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    if (hasher.size + chunk.length > limits.maxBytes) {
      throw new CatalogError('UPLOAD_TOO_LARGE', `The upload exceeds ${limits.maxBytes} bytes.`);
    }
    hasher.update(chunk);
    yield chunk;
  }
  if (limits.expectedLength !== undefined && hasher.size !== limits.expectedLength) {
    throw new CatalogError('UPLOAD_INCOMPLETE');
  }
}
