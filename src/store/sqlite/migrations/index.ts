/**
 * The ordered list of schema migrations. SQL lives in TypeScript strings so `dist/` works
 * without copying assets. Never edit a released migration: add a new one.
 */
import { migration001 } from './001-initial.js';
import { migration002 } from './002-audit.js';
import { migration003 } from './003-content.js';
import { migration004 } from './004-session-epoch.js';
import { migration005 } from './005-audit-rollups.js';
import { migration006 } from './006-jwt-server-policy.js';
import { migration007 } from './007-manifest-links.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** All migrations, ascending by version. */
export const MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
  migration007,
];

/** The schema version this build writes. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
