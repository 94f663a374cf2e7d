/** Schema version 6: what an external JWT server may vouch for (required claims, lifetime). */
import type { Migration } from './migration.js';

/**
 * `required_claims` is a JSON object (claim → string or list of strings) every token of the
 * server must match; `max_token_lifetime_seconds` bounds `exp - iat`. Existing entries get no
 * required claims and the one-hour default; entries for multi-tenant issuers without a claim
 * pinning the tenant then fail closed at verification (src/admin/auth/jwt-server-policy.ts).
 */
export const migration006: Migration = {
  version: 6,
  name: 'jwt-server-policy',
  sql: `
ALTER TABLE jwt_servers ADD COLUMN required_claims TEXT NOT NULL DEFAULT '{}';
ALTER TABLE jwt_servers ADD COLUMN max_token_lifetime_seconds INTEGER NOT NULL DEFAULT 3600
  CHECK (max_token_lifetime_seconds > 0);
`,
};
