/**
 * RFC 9457 problem+json rendering for the admin API: one error handler and one not-found handler
 * turn every refusal (ours, other modules' coded errors, Fastify's own body/parse errors) into
 * `{ type, title, status, detail, code, instance?, errors? }` with a stable `code`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isPortcullisError } from '../errors/base.js';
import { KEY_ERRORS } from '../keys/errors.js';
import { ADMIN_ERRORS, AdminError, type AdminErrorCode } from './errors.js';
import { SchemaValidationError } from './validation.js';

/** The problem+json body every admin refusal carries. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: Array<{ path: string; message: string }>;
  [extra: string]: unknown;
}

/** Media type of every admin error response. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Builds a problem body; `instance` is the request path only (a query string could carry a token). */
export function problemBody(
  status: number,
  code: string,
  detail: string,
  instance?: string,
  extra?: Record<string, unknown>,
): ProblemBody {
  const spec = (ADMIN_ERRORS as Record<string, { message: string }>)[code];
  return {
    type: `urn:portcullis:problem:${code.toLowerCase().replaceAll('_', '-')}`,
    title: spec?.message ?? code,
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
): FastifyReply {
  const path = reply.request.url.split('?')[0];
  if (extra && typeof extra.retryAfter === 'number')
    reply.header('retry-after', String(extra.retryAfter));
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="portcullis-admin"');
  return reply
    .code(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problemBody(status, code, detail, path, extra)));
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

// Key errors carry CLI remedies (--passphrase-file) and PEM labels; the API names its own fields.
function keyDetail(code: keyof typeof KEY_ERRORS): string {
  const message = KEY_ERRORS[code].message;
  if (code === 'KEY_PASSPHRASE_REQUIRED' || code === 'KEY_PASSPHRASE_WRONG') {
    return `${message} Send the passphrase in key.passphrase (or the passphrase form field).`;
  }
  return message;
}

/** Maps any thrown value to `{status, code, detail, extra}` without leaking internals. */
export function classifyError(err: unknown): {
  status: number;
  code: string;
  detail: string;
  extra?: Record<string, unknown>;
} {
  if (err instanceof SchemaValidationError) {
    return {
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: err.message,
      extra: { errors: err.issues },
    };
  }
  if (err instanceof AdminError) {
    return { status: err.status, code: err.code, detail: err.message, extra: err.extra };
  }
  const fst = err as Partial<FastifyError> | undefined;
  const mapped = fst?.code ? FASTIFY_CODES[fst.code] : undefined;
  if (mapped)
    return {
      status: ADMIN_ERRORS[mapped].status,
      code: mapped,
      detail: ADMIN_ERRORS[mapped].message,
    };
  if (err instanceof SyntaxError && fst?.statusCode === 400) {
    return { status: 400, code: 'MALFORMED_JSON', detail: ADMIN_ERRORS.MALFORMED_JSON.message };
  }
  if (isPortcullisError(err) && err.code in KEY_ERRORS && err.status < 500) {
    return {
      status: err.status,
      code: err.code,
      detail: keyDetail(err.code as keyof typeof KEY_ERRORS),
    };
  }
  if (isPortcullisError(err) && err.code === 'STORE_CONFLICT') {
    return { status: 409, code: 'CONFLICT', detail: err.message };
  }
  if (isPortcullisError(err) && (err.status < 500 || err.code === 'STORE_UNAVAILABLE')) {
    // Coded refusals from keys/token/store modules carry user-safe messages by contract.
    return { status: err.status, code: err.code, detail: err.message };
  }
  if (fst?.statusCode && fst.statusCode >= 400 && fst.statusCode < 500) {
    return {
      status: fst.statusCode,
      code: 'VALIDATION_FAILED',
      detail: 'The request was refused.',
    };
  }
  return { status: 500, code: 'INTERNAL_ERROR', detail: ADMIN_ERRORS.INTERNAL_ERROR.message };
}

/** Installs the single error handler and not-found handler of the admin API. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = classifyError(err);
    if (problem.status >= 500) request.log.error({ err }, 'admin request failed');
    return sendProblem(reply, problem.status, problem.code, problem.detail, problem.extra);
  });
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
