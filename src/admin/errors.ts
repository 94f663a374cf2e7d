/**
 * Stable problem codes of the admin API. Every refusal the admin listener sends is one of these
 * (or a coded error from another module, e.g. a KEY_* code from src/keys, passed through with
 * its own status). docs/admin-api.md lists the same table; test/admin/errors.test.ts keeps them in step.
 */
import type { ErrorEntry } from '../errors/base.js';
import { codedErrorClass, defineErrors } from '../errors/define.js';

/** One entry of the admin error registry. */
export type AdminErrorSpec = ErrorEntry;

/** Registry of admin API problem codes → HTTP status, default message and remedy. */
export const ADMIN_ERRORS = defineErrors('admin', {
  VALIDATION_FAILED: {
    status: 400,
    message: 'Some fields are missing or not valid.',
    remedy:
      'Fix each field listed in `errors` (its `field` and `message`) and retry; unknown fields are refused.',
  },
  MALFORMED_JSON: {
    status: 400,
    message: 'The request body is not valid JSON.',
    remedy: 'Send a well-formed JSON document with Content-Type: application/json.',
  },
  BODY_TOO_LARGE: {
    status: 413,
    message: 'The request body is larger than this endpoint accepts.',
    remedy: 'Send a smaller body (JSON: 1 MiB; key uploads: 64 KiB).',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'The request Content-Type is not accepted by this endpoint.',
    remedy: 'Use application/json (or multipart/form-data where documented).',
  },
  UNAUTHENTICATED: {
    status: 401,
    message: 'Authentication is required.',
    remedy:
      'Obtain a bearer token from POST /api/v1/auth/token and send it as Authorization: Bearer.',
  },
  INVALID_CREDENTIALS: {
    status: 401,
    message: 'The username or password is wrong.',
    remedy: 'Check the credentials; repeated failures slow down further attempts.',
  },
  TOKEN_INVALIDATED: {
    status: 401,
    message: 'The bearer token has been invalidated.',
    remedy: 'Request a new token from POST /api/v1/auth/token.',
  },
  TOKEN_EXPIRED: {
    status: 401,
    message: 'The bearer token has expired.',
    remedy:
      'Request a new token; call POST /api/v1/auth/keep-alive before expiry to extend a session.',
  },
  SESSION_ENDED: {
    status: 401,
    message:
      'The session was ended: the password, role or status of its account changed since sign-in.',
    remedy: 'Sign in again with POST /api/v1/auth/token; keep-alive cannot revive the session.',
  },
  SESSION_LIFETIME_EXCEEDED: {
    status: 401,
    message: 'The session has reached its absolute lifetime.',
    remedy:
      'Sign in again with POST /api/v1/auth/token; keep-alive renews a session only up to the sessionMaxHours setting.',
  },
  TOO_MANY_ATTEMPTS: {
    status: 429,
    message: 'Too many sign-in attempts for this username or from this address.',
    remedy: 'Wait for the number of seconds in Retry-After before trying again.',
  },
  PASSWORD_HASHING_BUSY: {
    status: 503,
    message: 'Too many passwords are being checked or set right now.',
    remedy: 'Retry after the number of seconds in Retry-After.',
  },
  PASSWORD_CHANGE_REQUIRED: {
    status: 403,
    message: 'This account must change its one-time password first.',
    remedy: 'Call POST /api/v1/auth/change-password, then request a new token.',
  },
  FORBIDDEN: {
    status: 403,
    message: 'Your role does not allow this operation.',
    remedy: 'Ask an administrator; read-only accounts may only use GET.',
  },
  SIGNING_FORBIDDEN: {
    status: 403,
    message: 'Your role may not mint download tokens.',
    remedy:
      'Signed links, manifests, QR codes and command plists need the admin role (docs/authorization.md).',
  },
  NOT_FOUND: {
    status: 404,
    message: 'No such resource.',
    remedy: 'Check the URL and identifier.',
  },
  CONFLICT: {
    status: 409,
    message: 'The request conflicts with the current state.',
    remedy: 'Use a different name, or update the existing resource instead.',
  },
  CONFIGURATION_DISABLED: {
    status: 409,
    message: 'The JWT configuration is disabled.',
    remedy: 'Enable the configuration before signing URLs with it.',
  },
  MANIFEST_LINK_LIMIT: {
    status: 409,
    message: 'This item already has as many active manifest links as allowed.',
    remedy:
      'Revoke links that are no longer used (DELETE /api/v1/manifest-links/<id>) before creating another.',
  },
  INTERNAL_ERROR: {
    status: 500,
    message: 'Internal server error.',
    remedy: 'Check the server log for the request id.',
  },
});

/** A stable admin problem code. */
export type AdminErrorCode = keyof typeof ADMIN_ERRORS;

/**
 * A coded refusal raised by the admin API; the error handler renders it as problem+json
 * (`options.extra` adds members such as `retryAfter`).
 */
export class AdminError extends codedErrorClass(ADMIN_ERRORS) {}

/**
 * Non-fatal findings the admin API answers in a `warnings` array (`{code, message}`) beside a
 * successful change: the change is made, but look at this.
 */
export const ADMIN_WARNINGS = {
  KEY_ALREADY_CONFIGURED:
    'Another JWT configuration already uses this key (same fingerprint). Both now verify the same tokens; that is expected while staging a rotation, otherwise disable or delete the other one.',
} as const;
