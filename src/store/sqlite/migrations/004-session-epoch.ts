/** Schema version 4: a per-account session epoch, so sessions can be ended all at once. */
import type { Migration } from './migration.js';

/**
 * Admin session tokens carry the epoch of their account; the store bumps it whenever the
 * password, role or disabled flag changes, which ends every session issued before.
 */
export const migration004: Migration = {
  version: 4,
  name: 'session-epoch',
  sql: `
ALTER TABLE accounts ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
`,
};
