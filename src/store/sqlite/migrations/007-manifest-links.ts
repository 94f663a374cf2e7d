/** Schema version 7: manifest links (PostgreSQL schema version 9 creates the same table). */
import type { Migration } from './migration.js';

/**
 * One row per manifest link. No foreign keys, like the rest of the schema: a link whose item
 * or configuration is gone is refused by the listener (src/admin/manifest-links.ts), and revoked
 * rows are kept so the audit rows that name a link (`link:<id>`) can still be read.
 */
export const migration007: Migration = {
  version: 7,
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
) STRICT;
CREATE INDEX manifest_links_content_path ON manifest_links (content_path);
`,
};
