/**
 * PostgreSQL schema version 8, PostgreSQL only: resume-grace first use, shared by every node so
 * a Range request that lands on another node gets the same grace decision. Rows name a token by
 * its fingerprint (never the token) and are deleted after `keep_until` (exp + grace period).
 * Short-lived state, not data: `migrate-store` copies none.
 */
import type { Migration } from '../../sqlite/migrations/migration.js';

/** Schema version 8: one row per accepted (token, path). */
export const resumeGrace: Migration = {
  version: 8,
  name: 'resume-grace',
  sql: `
CREATE TABLE resume_grace (
  fingerprint TEXT NOT NULL,
  path TEXT NOT NULL,
  exp BIGINT NOT NULL,
  keep_until BIGINT NOT NULL,
  key_label TEXT,
  kid TEXT,
  configuration_id TEXT,
  PRIMARY KEY (fingerprint, path)
);
CREATE INDEX resume_grace_keep_until ON resume_grace (keep_until);
`,
};
