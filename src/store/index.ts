/**
 * Public store API: the Store contract, the SQLite and PostgreSQL implementations and their
 * factory, secrets, passwords, the store-backed key source and audit sink, retention and CSV export.
 */
export { type StoreAuditSink, type StoreAuditSinkOptions, storeAuditSink } from './audit-sink.js';
export { AUDIT_CSV_COLUMNS, auditToCsv, csvCell } from './csv.js';
export { STORE_ERRORS, StoreError, type StoreErrorCode } from './errors.js';
export { ensureFirstAdmin } from './first-admin.js';
export { type StoreKeySourceOptions, storeKeySource } from './key-source.js';
export { openStore, openStoreWithSecret, type StoreLocation } from './open.js';
export {
  assertPasswordPolicy,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  verifyPassword,
} from './passwords.js';
export { PG_LATEST_SCHEMA_VERSION } from './postgres/migrate.js';
export {
  openPostgresStore,
  type PostgresStoreOptions,
  redactDatabaseUrl,
} from './postgres.js';
export {
  AUDIT_MAX_ROWS_SETTING,
  AUDIT_RETENTION_SETTING,
  auditMaxRows,
  auditRetentionDays,
  DEFAULT_AUDIT_MAX_ROWS,
  DEFAULT_AUDIT_RETENTION_DAYS,
  runRetention,
  startRetention,
} from './retention.js';
export { decryptSecret, encryptSecret, loadOrCreateSecret } from './secret.js';
export { SECRET_CHECK_SETTING, verifySecretInStore } from './secret-check.js';
export { backupSqliteStore } from './sqlite/backup.js';
export { LATEST_SCHEMA_VERSION } from './sqlite/migrations/index.js';
export { DB_FILE_NAME, openSqliteStore, type SqliteStoreOptions } from './sqlite.js';
export type * from './types.js';
