/** Schema version 8: who a device certificate said it was, on the audit events it admitted. */
import type { Migration } from './migration.js';

/**
 * A download admitted (or refused after its chain verified) by a TLS client certificate records
 * the certificate's subject, serial number and issuer (src/server/client-cert.ts). Rows of token
 * downloads leave them null.
 */
export const migration008: Migration = {
  version: 8,
  name: 'client-cert-audit',
  sql: `
ALTER TABLE audit_events ADD COLUMN client_cert_subject TEXT;
ALTER TABLE audit_events ADD COLUMN client_cert_serial TEXT;
ALTER TABLE audit_events ADD COLUMN client_cert_issuer TEXT;
`,
};
