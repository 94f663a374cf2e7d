/**
 * The offline shapes: commands that work on a data directory while no server runs (account
 * management, content management, backups). Built here like the serving shapes, so the CLI only
 * parses arguments, checks that the directory is a store, and formats output.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_EXTRACT_TIMEOUT_MS, MetadataExtractor } from '../catalog/extract-pool.js';
import { ContentLibrary } from '../catalog/library.js';
import type { ContentStorage } from '../contracts/content-storage.js';
import { createDiskStorage } from '../storage/disk.js';
import { openStore, type StoreLocation } from '../store/open.js';
import { DB_FILE_NAME } from '../store/sqlite.js';
import type { Store } from '../store/types.js';

/** Opens a store at a location (the CLI passes one that turns coded failures into its line). */
export type StoreOpener = (location: StoreLocation) => Promise<Store>;

/** True when `dataDir` holds a Portcullis store (a database file). */
export function hasStore(dataDir: string): boolean {
  return existsSync(join(dataDir, DB_FILE_NAME));
}

/**
 * Opens the store at `location` (a data directory, created if missing, or a PostgreSQL
 * database), runs `fn`, and closes the store even when `fn` fails.
 * @example await withStore({ dataDir: './portcullis-data' }, (store) => store.accounts.list());
 */
export async function withStore<T>(
  location: StoreLocation,
  fn: (store: Store) => Promise<T>,
  open: StoreOpener = openStore,
): Promise<T> {
  const store = await open(location);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * Opens the store and the content library over `content` (a root directory on disk, or a
 * storage such as a bucket), with the same isolation as the server: metadata is read in a
 * worker under the store's time limit, so a hostile file costs the worker, not this command.
 * Everything is closed afterwards.
 */
export async function withContentLibrary<T>(
  location: StoreLocation,
  content: string | ContentStorage,
  fn: (lib: ContentLibrary, store: Store) => Promise<T>,
  open: StoreOpener = openStore,
): Promise<T> {
  return withStore(
    location,
    async (store) => {
      const seconds = Number(
        (await store.settings.get('catalog.extractTimeoutSeconds')) ?? Number.NaN,
      );
      const extractor = new MetadataExtractor({
        timeoutMs: seconds > 0 ? seconds * 1000 : DEFAULT_EXTRACT_TIMEOUT_MS,
      });
      try {
        const storage = typeof content === 'string' ? createDiskStorage(content) : content;
        const library = new ContentLibrary({ storage, store, extractor });
        return await fn(library, store);
      } finally {
        await extractor.close();
      }
    },
    open,
  );
}
