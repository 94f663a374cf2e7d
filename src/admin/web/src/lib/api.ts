/**
 * The only way the console talks to the server: same-origin fetch under /api/v1 with the bearer
 * token in the Authorization header. Problem+json errors become ApiError with field errors
 * keyed by form field, so each page can show a message next to the field that caused it.
 */
import { getSession, setSession } from './session.js';

/**
 * One entry of problem+json `errors`: `{ field, message }` with a human message (older servers
 * sent `path` as a string or an array of segments instead of `field`).
 */
export interface FieldProblem {
  field?: unknown;
  path?: unknown;
  message?: unknown;
}

/** A refused API call, carrying the problem+json fields. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fieldErrors: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Normalises a problem path (`/key/pem`, `key.pem`, `body.key.pem`, `['key','pem']`) to a dotted field name. */
export function fieldName(path: unknown): string {
  const text = Array.isArray(path) ? path.map(String).join('.') : String(path ?? '');
  return text
    .replace(/^\/+/, '')
    .replace(/\//g, '.')
    .replace(/^body\./, '');
}

/** Builds an ApiError from a failed Response (problem+json when available). */
export async function toApiError(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    // Not JSON (e.g. a proxy error page): fall back to the status text.
  }
  const fields: Record<string, string> = {};
  const title = typeof body.title === 'string' && body.title ? body.title : 'Invalid value';
  if (Array.isArray(body.errors)) {
    for (const e of body.errors as FieldProblem[]) {
      if (!e || typeof e !== 'object') continue;
      const name = fieldName(e.field ?? e.path);
      // A field named without a message still gets a human line: the problem's title.
      if (!fields[name])
        fields[name] = typeof e.message === 'string' && e.message ? e.message : title;
    }
  }
  const message = String(
    body.detail ?? body.title ?? body.message ?? res.statusText ?? 'Request failed',
  );
  return new ApiError(res.status, String(body.code ?? `HTTP_${res.status}`), message, fields);
}

/**
 * Encodes a content path for use inside an API URL, keeping its slashes. Dot segments are refused:
 * the browser would resolve them (even as %2e%2e) and steer the request out of /api/v1/content.
 */
export function contentUrl(path: string, suffix = ''): string {
  const segments = path.split('/');
  if (
    segments.some((s) => s === '.' || s === '..' || s.toLowerCase().replace(/%2e/g, '.') === '..')
  ) {
    throw new TypeError('content path with a dot segment');
  }
  return `/api/v1/content/${segments.map(encodeURIComponent).join('/')}${suffix}`;
}

/** Headers for an authenticated request. */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const session = getSession();
  return session ? { ...extra, authorization: `Bearer ${session.token}` } : extra;
}

/** Options for {@link request}. */
export interface RequestOptions {
  body?: unknown;
  accept?: string;
  headers?: Record<string, string>;
}

/** Sends a request and returns the raw Response; throws ApiError when not ok. */
export async function request(
  method: string,
  url: string,
  opts: RequestOptions = {},
): Promise<Response> {
  const headers = authHeaders({ accept: opts.accept ?? 'application/json', ...opts.headers });
  let body: BodyInit | undefined;
  if (opts.body instanceof FormData) body = opts.body;
  else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(url, { method, headers, body, credentials: 'omit', cache: 'no-store' });
  if (!res.ok) {
    const err = await toApiError(res);
    // An expired or revoked session sends the user back to sign-in; a wrong password typed into
    // a form (INVALID_CREDENTIALS, e.g. the current password on change-password) does not.
    if (
      res.status === 401 &&
      err.code !== 'INVALID_CREDENTIALS' &&
      !url.startsWith('/api/v1/auth/token')
    ) {
      setSession(null);
    }
    throw err;
  }
  return res;
}

/** JSON request helper: returns the parsed body (undefined for 204). */
export async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await request(method, url, { body });
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}
