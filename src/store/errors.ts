/**
 * Store refusal codes. One table maps each code to its HTTP status, a generic message and a
 * remedy; docs/store.md mirrors it. Messages never contain key material, secrets or absolute paths.
 */
import { codedErrorClass, defineErrors } from '../errors/define.js';

/** Registry of store codes → HTTP status, default message, remedy. */
export const STORE_ERRORS = defineErrors('store', {
  STORE_SCHEMA_TOO_NEW: {
    status: 500,
    message: 'The database was written by a newer Portcullis (its schema version is unknown here).',
    remedy: 'Run the Portcullis version that last opened this data directory, or restore a backup.',
  },
  STORE_SECRET_MISMATCH: {
    status: 500,
    message: 'Stored secrets cannot be decrypted with the current secret.',
    remedy:
      'Set PORTCULLIS_SECRET (or restore secret.key) to the value used when the data was written; see docs/store.md.',
  },
  STORE_SECRET_INVALID: {
    status: 500,
    message: 'The secret key file is unreadable or malformed.',
    remedy: 'Restore secret.key from a backup, or set PORTCULLIS_SECRET to the original value.',
  },
  STORE_CIPHERTEXT_INVALID: {
    status: 500,
    message: 'A stored encrypted value is malformed.',
    remedy: 'Restore the database from a backup, or re-create the affected record.',
  },
  STORE_CONFLICT: {
    status: 409,
    message: 'A record with the same unique value already exists.',
    remedy:
      'Choose a different name (names are compared case-insensitively) or update the existing record.',
  },
  STORE_UNAVAILABLE: {
    status: 503,
    message: 'The store is closed, locked or unreadable.',
    remedy:
      'Retry shortly; check disk space, file permissions and that no other tool holds a lock.',
  },
  STORE_INVALID_QUERY: {
    status: 400,
    message: 'The query parameters are invalid.',
    remedy:
      'Use ISO-8601 times or epoch milliseconds, a limit of 1..1000, and cursors returned by the API.',
  },
  STORE_PASSWORD_TOO_SHORT: {
    status: 400,
    message: 'Passwords must be at least 12 characters long.',
    remedy: 'Choose a longer password; a passphrase of several words works well.',
  },
  STORE_PASSWORD_TOO_LONG: {
    status: 400,
    message: 'Passwords must be at most 1024 characters long.',
    remedy: 'Choose a shorter password.',
  },
  STORE_PASSWORD_HASHER_BUSY: {
    status: 503,
    message: 'Too many passwords are being checked or hashed right now.',
    remedy: 'Retry in a second; the hasher runs one scrypt at a time with a short bounded queue.',
  },
});

/** Every coded condition the store reports. */
export type StoreErrorCode = keyof typeof STORE_ERRORS;

/** A coded store refusal or failure. */
export class StoreError extends codedErrorClass(STORE_ERRORS) {}
