/**
 * The shape of a migration, apart from the list (index.ts) so each migration file can name it
 * without importing the list that imports it. A new migration imports its type from here.
 */

/** One forward-only schema step, applied inside its own transaction. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
