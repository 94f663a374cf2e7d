/**
 * PostgreSQL schema version 9: manifest links, the same table as SQLite schema version 7 (so
 * `migrate-store` copies it row for row). Shared by every node: a revoke is seen by the next
 * manifest fetch on any node, which reads the row (no cache).
 */
import type { Migration } from '../../sqlite/migrations/migration.js';

/** Schema version 9: one row per manifest link. */
export const manifestLinks: Migration = {
  version: 9,
  name: 'manifest-links',
  sql: `
CREATE TABLE manifest_links (
  id TEXT PRIMARY KEY,
  content_path TEXT NOT NULL,
  configuration_id TEXT NOT NULL,
  label TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT,
  expires_at TEXT NOT NULL,
  revoked_at TEXT,
  revoked_by TEXT,
  last_used_at TEXT
);
CREATE INDEX manifest_links_content_path ON manifest_links (content_path);
`,
};
