/**
 * RFC 9457 problem+json rendering for the admin API: one error handler and one not-found handler
 * turn every refusal (ours, other modules' coded errors, Fastify's own body/parse errors) into
 * `{ type, title, status, detail, code, instance?, errors? }` with a stable `code` and a human
 * `title`. Coded errors are mapped from their registry entry (status, phrase) plus three small
 * tables below, never by testing each error class.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CATALOG_ERRORS } from '../catalog/errors.js';
import { isPortcullisError, type PortcullisError } from '../errors/base.js';
import { KEY_ERRORS } from '../keys/errors.js';
import { STORE_ERRORS } from '../store/errors.js';
import { TOKEN_ERRORS } from '../token/errors.js';
import { ADMIN_ERRORS, type AdminErrorCode } from './errors.js';
import { type FieldIssue, SchemaValidationError } from './validation.js';

/** The problem+json body every admin refusal carries. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: FieldIssue[];
  [extra: string]: unknown;
}

/** Media type of every admin error response. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Registries whose codes the admin API may name without an error instance at hand. */
const TITLE_REGISTRIES: ReadonlyArray<Readonly<Record<string, { message: string }>>> = [
  ADMIN_ERRORS,
  KEY_ERRORS,
  TOKEN_ERRORS,
  CATALOG_ERRORS,
  STORE_ERRORS,
];

/** A human title for `code` when no error instance brings its own: its registry's phrase. */
function titleFor(code: string, status: number): string {
  const spec = TITLE_REGISTRIES.find((r) => Object.hasOwn(r, code))?.[code];
  // Never the code itself: `code` already carries it, and a title is for people (RFC 9457 §3.1.3).
  return spec?.message ?? STATUS_CODES[status] ?? 'Request refused';
}

/** Builds a problem body; `instance` is the request path only (a query string could carry a token). */
export function problemBody(
  status: number,
  code: string,
  detail: string,
  instance?: string,
  extra?: Record<string, unknown>,
  title: string = titleFor(code, status),
): ProblemBody {
  return {
    type: `urn:portcullis:problem:${code.toLowerCase().replaceAll('_', '-')}`,
    title,
    status,
    detail,
    code,
    ...(instance === undefined ? {} : { instance }),
    ...(extra ?? {}),
  };
}

/** Sends a problem+json reply. `extra.retryAfter` (seconds) also sets the Retry-After header. */
export function sendProblem(
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  extra?: Record<string, unknown>,
  title?: string,
): FastifyReply {
  const path = reply.request.url.split('?')[0];
  if (extra && typeof extra.retryAfter === 'number')
    reply.header('retry-after', String(extra.retryAfter));
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="portcullis-admin"');
  return reply
    .code(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problemBody(status, code, detail, path, extra, title)));
}

/** Fastify's and @fastify/multipart's own error codes → our stable codes. */
const FASTIFY_CODES: Record<string, AdminErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_REQ_FILE_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_PARTS_LIMIT: 'BODY_TOO_LARGE',
  FST_FILES_LIMIT: 'BODY_TOO_LARGE',
  FST_FIELDS_LIMIT: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_PROTO_VIOLATION: 'MALFORMED_JSON',
};

/** What the error handler answers: a status, a stable code, a human title and a detail. */
export interface Problem {
  status: number;
  code: string;
  title: string;
  detail: string;
  extra?: Record<string, unknown>;
}

/** Codes of other areas the API names with its own, broader code (the status follows the API's). */
const API_CODE: Readonly<Record<string, AdminErrorCode>> = { STORE_CONFLICT: 'CONFLICT' };

/** Details that differ for API clients: key remedies name CLI flags, the API names its fields. */
const API_DETAIL: Readonly<Record<string, string>> = {
  KEY_PASSPHRASE_REQUIRED: `${KEY_ERRORS.KEY_PASSPHRASE_REQUIRED.message} Send the passphrase in key.passphrase (or the passphrase form field).`,
  KEY_PASSPHRASE_WRONG: `${KEY_ERRORS.KEY_PASSPHRASE_WRONG.message} Send the passphrase in key.passphrase (or the passphrase form field).`,
};

/**
 * Server-side (5xx) codes a client may see as they are. Other 5xx codes (a secret mismatch, a
 * broken ciphertext) describe the server's insides and answer INTERNAL_ERROR; the log has them.
 */
const PUBLIC_SERVER_CODES: ReadonlySet<string> = new Set([
  'STORE_UNAVAILABLE',
  // The bucket or content root could not be reached: the admin can act on it (docs/catalog.md).
  'CONTENT_ROOT_UNAVAILABLE',
  // The admin's own pinning file went bad: they need the remedy; the message names no path.
  'PINNING_CERTS_INVALID',
]);

function fromAdmin(
  code: AdminErrorCode,
  detail?: string,
  extra?: Record<string, unknown>,
): Problem {
  const spec = ADMIN_ERRORS[code];
  return {
    status: spec.status,
    code,
    title: spec.message,
    detail: detail ?? spec.message,
    ...(extra === undefined ? {} : { extra }),
  };
}

/** Storage codes of a request that failed at run time (start-up configuration codes are not). */
const STORE_RUNTIME_FAILURES: ReadonlySet<string> = new Set([
  'STORAGE_UNAVAILABLE',
  'STORAGE_BUCKET_UNREACHABLE',
  'STORAGE_ACCESS_DENIED',
  'STORAGE_FAILED',
  'STORAGE_CHANGED',
]);

/**
 * A content storage failure (a bucket that timed out, refused the credentials, failed) reaching
 * any catalog route — upload, delete, show, rescan — answers as docs/catalog.md promises:
 * 503 CONTENT_ROOT_UNAVAILABLE, never the store's own message. A refused key keeps its 400.
 */
function fromStorage(err: PortcullisError): Problem | undefined {
  if (err.area !== 'storage' || !STORE_RUNTIME_FAILURES.has(err.code)) return undefined;
  const spec = CATALOG_ERRORS.CONTENT_ROOT_UNAVAILABLE;
  return {
    status: spec.status,
    code: 'CONTENT_ROOT_UNAVAILABLE',
    title: spec.message,
    detail: spec.message,
  };
}

/** The storage code behind an error (itself, or its cause), for the log. */
function storageCodeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    if (isPortcullisError(e) && e.area === 'storage') return e.code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Any registry-coded error, from its registry entry (no per-class branches). */
function fromCoded(err: PortcullisError): Problem {
  const storage = fromStorage(err);
  if (storage !== undefined) return storage;
  const own = err.area === 'admin';
  if (!own && err.status >= 500 && !PUBLIC_SERVER_CODES.has(err.code)) {
    return fromAdmin('INTERNAL_ERROR');
  }
  const alias = own ? undefined : API_CODE[err.code];
  if (alias !== undefined) return fromAdmin(alias, err.message);
  const title = typeof err.title === 'string' ? err.title : titleFor(err.code, err.status);
  const detail = API_DETAIL[err.code] ?? err.publicMessage ?? err.message;
  return {
    status: err.status,
    code: err.code,
    title,
    detail,
    ...(err.extra === undefined ? {} : { extra: err.extra }),
  };
}

/** Maps any thrown value to a {@link Problem} without leaking internals. */
export function classifyError(err: unknown): Problem {
  if (err instanceof SchemaValidationError) {
    return fromAdmin('VALIDATION_FAILED', err.message, { errors: err.issues });
  }
  const fst = err as Partial<FastifyError> | undefined;
  const mapped = fst?.code ? FASTIFY_CODES[fst.code] : undefined;
  if (mapped) return fromAdmin(mapped);
  if (err instanceof SyntaxError && fst?.statusCode === 400) return fromAdmin('MALFORMED_JSON');
  if (isPortcullisError(err)) return fromCoded(err);
  if (fst?.statusCode && fst.statusCode >= 400 && fst.statusCode < 500) {
    return {
      ...fromAdmin('VALIDATION_FAILED', 'The request was refused.'),
      status: fst.statusCode,
    };
  }
  return fromAdmin('INTERNAL_ERROR');
}

/** Answers every error of `app`'s scope with problem+json (5xx are logged, never explained). */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = classifyError(err);
    const storageCode = storageCodeOf(err);
    if (storageCode !== undefined) {
      // The store's code names why (STORAGE_UNAVAILABLE, STORAGE_ACCESS_DENIED…); the client
      // sees only the catalog code.
      request.log.warn({ code: problem.code, storageCode }, 'content store request failed');
    } else if (problem.status >= 500) request.log.error({ err }, 'admin request failed');
    return sendProblem(
      reply,
      problem.status,
      problem.code,
      problem.detail,
      problem.extra,
      problem.title,
    );
  });
}

/** Installs the admin API's error handler and its not-found handler (problem+json). */
export function installProblemHandlers(app: FastifyInstance): void {
  installErrorHandler(app);
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '';
    return sendProblem(
      reply,
      404,
      'NOT_FOUND',
      `No route ${request.method} ${path.slice(0, 200)}.`,
    );
  });
}
