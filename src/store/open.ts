/**
 * The one store factory the composition code calls: a data directory opens SQLite, a database
 * URL opens PostgreSQL. Whichever it is, the caller gets a `Store` and the secret it decrypts
 * with, checked against the store (`STORE_SECRET_MISMATCH` on a node with another secret).
 */
import { openPostgresStore } from './postgres.js';
import { loadOrCreateSecret } from './secret.js';
import { verifySecretInStore } from './secret-check.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './types.js';

/** Where the store lives: SQLite in a data directory, or a PostgreSQL database. */
export type StoreLocation =
  | { dataDir: string; databaseUrl?: undefined }
  | { databaseUrl: string; caFile?: string; schema?: string };

/**
 * Opens (creating and migrating as needed) the store at `location`.
 * @example const store = await openStore(url ? { databaseUrl: url } : { dataDir });
 */
export async function openStore(location: StoreLocation): Promise<Store> {
  if (location.databaseUrl === undefined) return openSqliteStore({ dataDir: location.dataDir });
  return openPostgresStore({
    databaseUrl: location.databaseUrl,
    ...(location.caFile ? { caFile: location.caFile } : {}),
    ...(location.schema ? { schema: location.schema } : {}),
  });
}

/**
 * Opens the store and loads its secret: PORTCULLIS_SECRET or `<dataDir>/secret.key`, verified
 * against the data directory (SQLite) or the database (PostgreSQL, shared by every node).
 */
export async function openStoreWithSecret(
  location: StoreLocation,
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ store: Store; secret: Uint8Array }> {
  const secret = await loadOrCreateSecret(dataDir, env);
  const store = await openStore(location);
  if (location.databaseUrl !== undefined) {
    try {
      await verifySecretInStore(store, secret);
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  return { store, secret };
}
