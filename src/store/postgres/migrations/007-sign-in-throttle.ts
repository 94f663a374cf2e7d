/**
 * PostgreSQL schema version 7, PostgreSQL only: the sign-in throttle's buckets, shared by every
 * node on the database (with SQLite there is one node and the throttle stays in its memory).
 * Keys are SHA-256 digests made by the admin API, never usernames or addresses as typed; times
 * are epoch milliseconds. Rows are short-lived state, not data: `migrate-store` copies none.
 */
import type { Migration } from '../../sqlite/migrations/migration.js';

/** Schema version 7: one row per throttled username or client address. */
export const signInThrottle: Migration = {
  version: 7,
  name: 'sign-in-throttle',
  sql: `
CREATE TABLE sign_in_throttle (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL DEFAULT 0,
  in_flight INTEGER NOT NULL DEFAULT 0,
  in_flight_until BIGINT NOT NULL DEFAULT 0,
  locked_until BIGINT NOT NULL DEFAULT 0,
  last_failure BIGINT NOT NULL DEFAULT 0,
  touched_at BIGINT NOT NULL
);
CREATE INDEX sign_in_throttle_touched_at ON sign_in_throttle (touched_at);
`,
};
