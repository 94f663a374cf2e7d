/** Schema version 5: aggregated anonymous refusals, stats rollups and a maintained row count. */
import type { Migration } from './migration.js';

/**
 * `agg_key` is set only on rows that aggregate anonymous refusals (src/store/audit-policy.ts);
 * the partial unique index makes the fold one upsert. The rollups count requests per minute
 * and per hour (by outcome, split ok/refused) and successful requests per path per hour, per
 * quarter day (6 h) and per day (top downloads: a window is read as its leading hours, then
 * quarters, then days, so it costs at most ~9 + days rows per path), so the
 * dashboard reads a few hundred small rows instead of scanning the log. They are backfilled
 * here from the rows a data directory already holds. Version 4 belongs to the accounts work.
 */
export const migration005: Migration = {
  version: 5,
  name: 'audit-rollups',
  sql: `
ALTER TABLE audit_events ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_events ADD COLUMN last_time INTEGER;
ALTER TABLE audit_events ADD COLUMN agg_key TEXT;
CREATE UNIQUE INDEX audit_events_agg ON audit_events (agg_key) WHERE agg_key IS NOT NULL;

CREATE TABLE audit_minutes (
  minute INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  ok INTEGER NOT NULL DEFAULT 0,
  refused INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (minute, outcome)
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_hours (
  hour INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  ok INTEGER NOT NULL DEFAULT 0,
  refused INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (hour, outcome)
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_hour_paths (
  hour INTEGER NOT NULL,
  path TEXT NOT NULL,
  count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (hour, path)
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_quarter_paths (
  quarter INTEGER NOT NULL,
  path TEXT NOT NULL,
  count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (quarter, path)
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_day_paths (
  day INTEGER NOT NULL,
  path TEXT NOT NULL,
  count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, path)
) STRICT, WITHOUT ROWID;

INSERT INTO audit_minutes (minute, outcome, ok, refused)
  SELECT time / 60000 * 60000, outcome, SUM(status < 400), SUM(status >= 400)
  FROM audit_events GROUP BY 1, 2;
INSERT INTO audit_hours (hour, outcome, ok, refused)
  SELECT time / 3600000 * 3600000, outcome, SUM(status < 400), SUM(status >= 400)
  FROM audit_events GROUP BY 1, 2;
INSERT INTO audit_hour_paths (hour, path, count)
  SELECT time / 3600000 * 3600000, path, COUNT(*)
  FROM audit_events WHERE status < 400 GROUP BY 1, 2;
INSERT INTO audit_quarter_paths (quarter, path, count)
  SELECT time / 21600000 * 21600000, path, COUNT(*)
  FROM audit_events WHERE status < 400 GROUP BY 1, 2;
INSERT INTO audit_day_paths (day, path, count)
  SELECT time / 86400000 * 86400000, path, COUNT(*)
  FROM audit_events WHERE status < 400 GROUP BY 1, 2;
INSERT INTO counters (name, value) SELECT 'audit_rows', COUNT(*) FROM audit_events WHERE 1
  ON CONFLICT (name) DO UPDATE SET value = excluded.value;
`,
};
