/**
 * The store options every `admin` and `content` command shares with `serve`: `--data DIR`
 * (SQLite) or `--database URL` / PORTCULLIS_DATABASE_URL (PostgreSQL), plus `--database-ca`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../store/errors.js';
import { openStore, type StoreLocation } from '../store/open.js';
import { DB_FILE_NAME } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { CliError, type Command } from './run.js';

/** The flags these options produce. */
export interface StoreFlags {
  data: string;
  database?: string;
  databaseCa?: string;
}

/** Adds `--database` and `--database-ca` to a command (its `--data` stays its own). */
export function databaseOptions(c: Command): Command {
  return c
    .option(
      '--database <url>',
      'PostgreSQL store: postgres://user@host:5432/db (sslmode in the URL; default PORTCULLIS_DATABASE_URL)',
    )
    .option(
      '--database-ca <file>',
      'PEM CA certificates the database server must chain to (default PORTCULLIS_DATABASE_CA)',
    );
}

/**
 * Where the command's store is: the database when one is given, else the SQLite file in
 * `--data`, which must exist unless the command may create it.
 */
export function storeLocation(
  flags: StoreFlags,
  mayCreate: boolean,
  env: NodeJS.ProcessEnv = process.env,
): StoreLocation {
  const databaseUrl = flags.database ?? (env.PORTCULLIS_DATABASE_URL || undefined);
  if (databaseUrl) {
    const caFile = flags.databaseCa ?? (env.PORTCULLIS_DATABASE_CA || undefined);
    return { databaseUrl, ...(caFile ? { caFile } : {}) };
  }
  if (!mayCreate && !existsSync(join(flags.data, DB_FILE_NAME))) {
    throw new CliError(`no Portcullis store in ${flags.data} (wrong --data or --database?)`);
  }
  return { dataDir: flags.data };
}

/** Opens the store, turning a coded store failure into the one line the CLI prints. */
export async function openCliStore(location: StoreLocation): Promise<Store> {
  try {
    return await openStore(location);
  } catch (err) {
    if (err instanceof StoreError) throw new CliError(`${err.message} (${err.code})`);
    throw err;
  }
}
