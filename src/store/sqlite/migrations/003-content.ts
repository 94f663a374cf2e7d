/** Schema version 3: the content catalog. */
import type { Migration } from './migration.js';

/** One row per catalogued file; `version` counts content (sha256) changes. */
export const migration003: Migration = {
  version: 3,
  name: 'content',
  sql: `
CREATE TABLE content (
  path TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('app', 'package', 'book', 'other')),
  metadata TEXT NOT NULL DEFAULT '{}',
  mtime_ms REAL NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  uploaded_by TEXT
) STRICT;
CREATE INDEX content_sha256 ON content (sha256);
`,
};
