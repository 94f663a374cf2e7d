/**
 * PostgreSQL schema version 10, the same columns as SQLite's version 8 (`client-cert-audit`):
 * the subject, serial number and issuer of the device certificate behind an audit event.
 */
import type { Migration } from '../../sqlite/migrations/migration.js';

/** Schema version 10: device certificate columns on audit events. */
export const clientCertAudit: Migration = {
  version: 10,
  name: 'client-cert-audit',
  sql: `
ALTER TABLE audit_events ADD COLUMN client_cert_subject TEXT;
ALTER TABLE audit_events ADD COLUMN client_cert_serial TEXT;
ALTER TABLE audit_events ADD COLUMN client_cert_issuer TEXT;
`,
};
