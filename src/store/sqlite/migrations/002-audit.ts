/** Schema version 2: the download audit log. */
import type { Migration } from './migration.js';

/**
 * AUTOINCREMENT so ids are never reused after retention purges: cursors handed out
 * before a purge stay meaningful.
 */
export const migration002: Migration = {
  version: 2,
  name: 'audit',
  sql: `
CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  status INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  bytes_sent INTEGER NOT NULL,
  client_address TEXT NOT NULL,
  token_fingerprint TEXT,
  key_label TEXT,
  kid TEXT,
  duration_ms REAL NOT NULL,
  user_agent TEXT,
  via TEXT NOT NULL,
  configuration_id TEXT
) STRICT;
CREATE INDEX audit_events_time ON audit_events (time);
CREATE INDEX audit_events_outcome ON audit_events (outcome);
CREATE INDEX audit_events_path ON audit_events (path);
CREATE INDEX changes_time ON changes (time);
`,
};
