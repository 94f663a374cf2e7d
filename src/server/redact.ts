/**
 * Keeps tokens out of logs and error messages: `token=` values in any URL-ish text, anything
 * shaped like a compact JWS, and Bearer credentials are replaced before text is logged.
 * Node's URL errors carry the offending input in `err.input`; that is dropped too.
 */

/** What replaces a secret. */
export const REDACTED = '[REDACTED]';

// token= in a query string (also percent-encoded "token%3D" as produced by double encoding).
const TOKEN_PARAM = /((?:^|[?&;\s"']|%26|%3F)token(?:=|%3D))[^&#\s"']*/gi;
// Three base64url segments with a JSON-object header ("eyJ" = base64 of '{"').
const JWS_LIKE = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
const BEARER = /(Bearer\s+)[^\s,"']+/gi;

/**
 * Redacts token values in free text (URLs, messages, header dumps).
 * @example redactText('/a.ipa?token=eyJ...&x=1') // '/a.ipa?token=[REDACTED]&x=1'
 */
export function redactText(text: string): string {
  return text
    .replace(TOKEN_PARAM, `$1${REDACTED}`)
    .replace(JWS_LIKE, REDACTED)
    .replace(BEARER, `$1${REDACTED}`);
}

/** Redacts a request URL for the access log. */
export function redactUrl(url: string): string {
  // Fast path: most URLs without a query have nothing to hide.
  if (!url.includes('?') && !url.includes('eyJ')) return url;
  return redactText(url);
}

/** A log-safe view of an error: name, code and redacted message; never `input` or the stack's secrets. */
export function redactError(err: unknown): { name: string; code?: string; message: string } {
  if (!(err instanceof Error)) return { name: 'Error', message: redactText(String(err)) };
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: redactText(err.message),
  };
}

/** Header names whose values are never logged. */
export const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];
