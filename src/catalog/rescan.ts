/**
 * Finds content objects in storage (a bounded listing). The library compares what it finds
 * with the store to pick up files dropped in by other means (rsync, a shared volume, `aws s3
 * cp` into the bucket) and to forget deleted ones.
 */
import type { ContentStorage, StoredObjectInfo } from '../contracts/content-storage.js';
import { normalizeContentPath } from './content-path.js';
import { CatalogError } from './errors.js';

/** Limits for {@link listStoredContent}. */
export interface ListLimits {
  /** Most objects looked at (default 100000); beyond it the listing is `truncated`. */
  maxFiles?: number;
}

/**
 * Lists the objects whose keys are valid content paths.
 * @throws CatalogError CONTENT_ROOT_UNAVAILABLE when the storage cannot be listed at all (an
 *   unmounted volume or a missing bucket must not look like "every file was deleted")
 */
export async function listStoredContent(
  storage: ContentStorage,
  limits: ListLimits = {},
): Promise<{ files: StoredObjectInfo[]; truncated: boolean }> {
  const maxFiles = limits.maxFiles ?? 100_000;
  const files: StoredObjectInfo[] = [];
  let seen = 0;
  let truncated = false;
  try {
    for await (const object of storage.list({ limit: maxFiles + 1 })) {
      if (++seen > maxFiles) {
        truncated = true;
        break;
      }
      if (isStorablePath(object.path)) files.push(object);
    }
  } catch (err) {
    throw new CatalogError('CONTENT_ROOT_UNAVAILABLE', undefined, { cause: err });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, truncated };
}

/** A key the catalog can record as-is (a valid content path, already in NFC form). */
function isStorablePath(path: string): boolean {
  try {
    return normalizeContentPath(path) === path;
  } catch {
    return false;
  }
}
