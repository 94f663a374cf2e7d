/**
 * Online backup of the SQLite database with SQLite's backup API: consistent even while serve
 * is writing (committed data still in the WAL is included), unlike copying the file.
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { DB_FILE_NAME } from '../sqlite.js';
import { backupDatabase, openDatabase } from './database.js';

/**
 * Copies `<dataDir>/portcullis.db` to `outFile` (mode 0600). Refuses to overwrite unless `force`.
 * The secret is not part of the database: back up secret.key (or PORTCULLIS_SECRET) separately.
 */
export async function backupSqliteStore(
  dataDir: string,
  outFile: string,
  opts: { force?: boolean } = {},
): Promise<{ pages: number }> {
  const source = join(dataDir, DB_FILE_NAME);
  if (!existsSync(source))
    throw new StoreError('STORE_UNAVAILABLE', 'There is no database to back up.');
  if (existsSync(outFile)) {
    if (!opts.force) throw new StoreError('STORE_CONFLICT', 'The backup file already exists.');
    unlinkSync(outFile);
  }
  const db = openDatabase(source, { readOnly: true });
  try {
    const pages = await backupDatabase(db, outFile);
    chmodSync(outFile, 0o600);
    return { pages };
  } catch (err) {
    throw new StoreError('STORE_UNAVAILABLE', 'The backup could not be written.', { cause: err });
  } finally {
    db.close();
  }
}
