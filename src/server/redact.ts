/**
 * Keeps tokens out of logs and error messages: `token=` values in any URL-ish text, anything
 * shaped like a compact JWS or a manifest-link token (`pml_…`), and Bearer credentials are
 * replaced before text is logged. A request URL is read the way the listener's query parser
 * reads it (src/token/request-token.ts decodes parameter names, so `tok%65n=` is a token
 * parameter and is redacted too), and a URL whose percent-decoded form still shows a secret
 * shape loses the part that carries it. Node's URL errors carry the offending input in
 * `err.input`; that is dropped too.
 */
import { isTokenPair } from '../token/request-token.js';

/** What replaces a secret. */
export const REDACTED = '[REDACTED]';

// token= in a query string (also percent-encoded "token%3D" as produced by double encoding).
const TOKEN_PARAM = /((?:^|[?&;\s"']|%26|%3F)token(?:=|%3D))[^&#\s"']*/gi;
// Three base64url segments with a JSON-object header ("eyJ" = base64 of '{"').
const JWS_LIKE = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
// A manifest-link token (src/store/link-token.ts): the prefix and base64url.
const LINK_LIKE = /pml_[A-Za-z0-9_-]*/gi;
const BEARER = /(Bearer\s+)[^\s,"']+/gi;
/** What a secret shape looks like once decoded (a test, no `g` flag). */
const SECRET_SHAPE = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.|pml_[A-Za-z0-9_-]/i;

/**
 * Redacts token values in free text (URLs, messages, header dumps).
 * @example redactText('/a.ipa?token=eyJ...&x=1') // '/a.ipa?token=[REDACTED]&x=1'
 */
export function redactText(text: string): string {
  return text
    .replace(TOKEN_PARAM, `$1${REDACTED}`)
    .replace(JWS_LIKE, REDACTED)
    .replace(LINK_LIKE, REDACTED)
    .replace(BEARER, `$1${REDACTED}`);
}

/**
 * Redacts a request URL (or a forwarded `X-Original-URI`) for a log: every parameter the
 * listener would take as the token (its name decoded as the parser decodes it), then every
 * secret shape anywhere; a path or query that still shows a secret once percent-decoded (an
 * encoded `pml_` or JWS) is replaced whole.
 * @example redactUrl('/a.plist?tok%65n=pml_x') // '/a.plist?tok%65n=[REDACTED]'
 */
export function redactUrl(url: string): string {
  // Fast path: nothing encoded, no query and no secret shape: nothing to hide.
  if (
    !url.includes('?') &&
    !url.includes('%') &&
    !url.includes('eyJ') &&
    !/pml_/i.test(url) &&
    !/bearer/i.test(url)
  ) {
    return url;
  }
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? null : url.slice(q + 1);
  const safePath = stillSecret(redactText(path));
  if (query === null) return safePath;
  const pairs = query
    .split('&')
    .map((pair) =>
      isTokenPair(pair) && pair.includes('=') ? `${pair.split('=', 1)[0]}=${REDACTED}` : pair,
    );
  return `${safePath}?${stillSecret(redactText(pairs.join('&')))}`;
}

/** `part`, or REDACTED when percent-decoding it (up to three times) reveals a secret shape. */
function stillSecret(part: string): string {
  let decoded = part;
  for (let i = 0; i < 3 && decoded.includes('%'); i++) {
    decoded = decoded.replace(/%([0-9a-f]{2})/gi, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
    if (decoded !== part && (SECRET_SHAPE.test(decoded) || TOKEN_PARAM_VALUE.test(decoded))) {
      return REDACTED;
    }
  }
  return part;
}

/** A decoded `token=<value>` whose value is not already redacted. */
const TOKEN_PARAM_VALUE = /(?:^|[?&;])token=(?!\[REDACTED\])[^&#\s]/i;

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
