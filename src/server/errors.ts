/**
 * Refusal codes of the serve listeners (content, forward-auth, proxy) and of serve start-up.
 * docs/serve.md mirrors this table; test/server/errors.test.ts keeps them in step.
 * Refusal messages never name a file, a path on disk, a token or a key. Start-up failures
 * (src/server/start-errors.ts) go only to the operator's terminal and name the port, or the
 * path exactly as the operator gave it, and the flag that changes it.
 */
import { codedErrorClass, defineErrors } from '../errors/define.js';

/** Registry of serve refusal codes → HTTP status, default message, remedy. */
export const SERVE_ERRORS = defineErrors('serve', {
  NOT_FOUND: {
    status: 404,
    message: 'Not found.',
    remedy:
      'Check the file name in the URL; only regular files under the content root are served (no directories, no dotfiles).',
  },
  PATH_REJECTED: {
    status: 400,
    message: 'The request path is not allowed.',
    remedy:
      'Use a plain path: no "..", encoded slashes or backslashes, NUL bytes, invalid UTF-8, dot-segments, or paths under /_portcullis/ (reserved for Portcullis itself).',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    message: 'Only GET and HEAD are allowed.',
    remedy: 'Download with GET (or HEAD to check); the content listener never accepts uploads.',
  },
  RANGE_NOT_SATISFIABLE: {
    status: 416,
    message: 'The requested range is not satisfiable.',
    remedy:
      'Ask for a byte range inside the file; Content-Range: bytes */<length> gives the length.',
  },
  PRECONDITION_FAILED: {
    status: 412,
    message: 'A precondition (If-Match or If-Unmodified-Since) failed.',
    remedy: 'The file changed since your copy; restart the download without the precondition.',
  },
  URI_TOO_LONG: {
    status: 414,
    message: 'The request URL is too long.',
    remedy:
      'Check the URL was not corrupted; raise maxUrlLength only if your tokens are unusually large.',
  },
  UPSTREAM_ERROR: {
    status: 502,
    message: 'The upstream server could not be reached or answered badly.',
    remedy:
      'Check that the upstream origin is up and reachable from Portcullis (see the server log).',
  },
  FORWARD_AUTH_BAD_REQUEST: {
    status: 400,
    message: 'The forward-auth request does not say which URL and method to check.',
    remedy:
      'Set authFront to the front server in use and configure it as in its guide: nginx sends X-Original-URI, Caddy and Traefik X-Forwarded-Uri, all three X-Forwarded-Method.',
  },
  FORWARD_AUTH_HEADER_CONFLICT: {
    status: 403,
    message:
      'The forward-auth request carries an original-request header twice, or one the configured front server does not send.',
    remedy:
      'Set authFront to the front server in use and make it remove client copies of X-Original-URI, X-Forwarded-Uri, X-Original-Method and X-Forwarded-Method (see its guide).',
  },
  CLIENT_CERT_REQUIRED: {
    status: 403,
    message: 'This server requires a device identity certificate, and none was presented.',
    remedy:
      'Deliver the download as an asset with Authentication: MDM (the device presents its MDM identity certificate), or, where auth is token-or-client-cert, send a token.',
  },
  CLIENT_CERT_UNTRUSTED: {
    status: 403,
    message: 'The client certificate is not trusted for device identity.',
    remedy:
      'The certificate must chain to a CA in --client-ca (not the system store) and, where it names key usages, allow TLS client authentication; check the MDM identity CA bundle.',
  },
  CLIENT_CERT_EXPIRED: {
    status: 403,
    message: 'The client certificate has expired.',
    remedy: 'Renew the device identity certificate in the MDM (the device renews it on check-in).',
  },
  CLIENT_CERT_NOT_YET_VALID: {
    status: 403,
    message: 'The client certificate is not valid yet.',
    remedy:
      "Check the device's clock and the server's clock; the certificate's notBefore is in the future.",
  },
  CLIENT_CERT_REVOKED: {
    status: 403,
    message: 'The client certificate has been revoked.',
    remedy:
      'The device identity was revoked by its CA; re-enrol the device or issue it a new identity.',
  },
  CLIENT_CERT_REVOCATION_UNKNOWN: {
    status: 403,
    message: 'The revocation status of the client certificate cannot be established.',
    remedy:
      "Give --client-crl a current CRL for every CA in the chain (the CA's nextUpdate has passed, or the chain's CA has no CRL in the file); it is reloaded on SIGHUP and when the file changes.",
  },
  NOT_READY: {
    status: 503,
    message: 'Not ready: still starting, stopping, or keys or content are not available.',
    remedy:
      'Wait for every listener to start (admin and all workers); otherwise check the server log for key loading or content root errors.',
  },
  CONTENT_STORE_FAILED: {
    status: 502,
    message: 'The content store could not deliver the file.',
    remedy:
      'Retry later; the server log names the store error code (AccessDenied, NoSuchBucket, ...). Check the IAM policy and --s3-region (docs/object-storage.md).',
  },
  CONTENT_STORE_UNAVAILABLE: {
    status: 503,
    message: 'The content store is unavailable.',
    remedy:
      'Retry later; the store timed out, could not be reached or asked to slow down (see the server log).',
  },
  STORE_UNAVAILABLE: {
    status: 503,
    message: 'The shared store is unavailable; try again shortly.',
    remedy:
      'Retry after the Retry-After seconds (a manifest link stays valid). Operators: the database (PostgreSQL) or the data directory (SQLite) could not be reached or did not answer in time; the server log names the store error.',
  },
  INTERNAL_ERROR: {
    status: 500,
    message: 'Internal error.',
    remedy: 'See the server log; report a bug if it repeats.',
  },
  CONFIG_INVALID: {
    status: 500,
    message: 'The serve configuration is invalid.',
    remedy: 'Fix the setting named in the message (flag, PORTCULLIS_* variable or config file).',
  },
  ROOT_UNAVAILABLE: {
    status: 500,
    message: 'The content root is not a readable directory.',
    remedy: 'Point --root at an existing directory the server user can read.',
  },
  HOST_NOT_ALLOWED: {
    status: 421,
    message: 'This listener does not answer to that Host name.',
    remedy:
      'Use the admin address itself, localhost or 127.0.0.1; reach it by another name only after listing that name in --admin-allowed-hosts.',
  },
  PORT_IN_USE: {
    status: 500,
    message: 'A listener port is already in use by another program.',
    remedy:
      'Stop the other program, or choose another port: --port for content, --admin-port for the admin listener (or --no-admin).',
  },
  LISTEN_FAILED: {
    status: 500,
    message: 'A listener could not start on its address.',
    remedy:
      'Check --host/--port (content) or --admin-host/--admin-port (admin): the address must be on this machine, and ports below 1024 need privileges.',
  },
  WORKER_START_FAILED: {
    status: 500,
    message: 'A content worker could not start.',
    remedy:
      'Read the reason in the message and the log above it; run with --workers 1 to see the failure in one process.',
  },
  KEY_RELOAD_FAILED: {
    status: 500,
    message:
      'Reloading the verification keys failed in a content worker; the previous keys stay in use.',
    remedy:
      'Read the key error in the server log above this line, fix the key file or configuration, then reload again (SIGHUP).',
  },
  KEY_RELOAD_TIMEOUT: {
    status: 500,
    message:
      'A content worker did not finish reloading its keys within 10 seconds; workers may use different key sets.',
    remedy:
      'Check the server log for a stuck or crashed worker; restart serve if the reload does not succeed on a second SIGHUP.',
  },
  NO_KEYS: {
    status: 500,
    message: 'No verification keys are configured.',
    remedy: 'Give --key with a public key file (or use --data for zero-configuration start).',
  },
});

/** Every serve-side refusal and start-up failure. */
export type ServeErrorCode = keyof typeof SERVE_ERRORS;

/** A serve refusal or start-up failure with a stable code. */
export class ServeError extends codedErrorClass(SERVE_ERRORS) {}
