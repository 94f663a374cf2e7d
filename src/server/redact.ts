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
// Secret shapes are found per run of token-ish characters (base64url, `.` and percent-escapes),
// so the scan is linear in the text: a regex that restarts at every "eyJ" of a hostile 16 KiB
// URL was quadratic (tens of milliseconds on the serving loop per request).
const RUN = /[A-Za-z0-9_.%-]+/g;
const JWS_DOT = /\.|%2[Ee]/g;
const LINK_PREFIX = /pml_/i;
// An escape that decodes to a letter, `_`, `=` or `%`: only then can decoding reveal a shape.
const SHAPE_ESCAPE = /%(?:[4-7][0-9A-Fa-f]|3[Dd]|25)/;
const BEARER = /(Bearer\s+)[^\s,"']+/gi;

/**
 * Redacts token values in free text (URLs, messages, header dumps).
 * @example redactText('/a.ipa?token=eyJ...&x=1') // '/a.ipa?token=[REDACTED]&x=1'
 */
export function redactText(text: string): string {
  // Nothing any of the patterns below starts with: the common case, on every logged request.
  if (!mayHoldSecret(text)) return text;
  return redactShapes(text.replace(TOKEN_PARAM, `$1${REDACTED}`)).replace(BEARER, `$1${REDACTED}`);
}

/** Whether `text` contains the start of anything redactText replaces (cheaper than the replaces). */
function mayHoldSecret(text: string): boolean {
  return text.includes('eyJ') || MAY_HOLD_SECRET.test(text);
}
const MAY_HOLD_SECRET = /pml_|token|bearer/i;

/**
 * Replaces, in each run of token-ish characters, everything from the start of a secret shape
 * to the run's end: a compact JWS (`eyJ` followed by two dots, `%2E` counting as one: "eyJ" is
 * base64 of '{"') or a manifest-link token (`pml_`, src/store/link-token.ts). Escapes inside a
 * run belong to it, so no tail of a secret survives.
 */
function redactShapes(text: string): string {
  return text.replace(RUN, (run) => {
    const at = shapeStart(run);
    return at < 0 ? run : `${run.slice(0, at)}${REDACTED}`;
  });
}

/** Where the first secret shape of a run starts, or -1. */
function shapeStart(run: string): number {
  const link = run.search(LINK_PREFIX);
  // A later "eyJ" has no more dots after it than the first: only the first needs looking at.
  let jws = run.indexOf('eyJ');
  if (jws >= 0 && (run.slice(jws).match(JWS_DOT)?.length ?? 0) < 2) jws = -1;
  if (link < 0) return jws;
  return jws < 0 ? link : Math.min(jws, link);
}

/**
 * Redacts a request URL (or a forwarded `X-Original-URI`) for a log: every parameter the
 * listener would take as the token (its name decoded as the parser decodes it), then every
 * secret shape anywhere; a path or query that still shows a secret once percent-decoded (an
 * encoded `pml_` or JWS) is replaced whole.
 * @example redactUrl('/a.plist?tok%65n=pml_x') // '/a.plist?tok%65n=[REDACTED]'
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  // Fast paths, for what nearly every request is: a plain path (no secret shape and no escape
  // that could decode into one; `%20` is fine) with no query, or with exactly Jamf's one
  // `token=` parameter — what the general path below would make of them, without its work.
  if (!SHAPE_ESCAPE.test(path) && !mayHoldSecret(path)) {
    if (q < 0) return url;
    if (url.startsWith('token=', q + 1) && !url.includes('&', q))
      return `${path}?token=${REDACTED}`;
  }
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
  if (!SHAPE_ESCAPE.test(part)) return part;
  let decoded = part;
  for (let i = 0; i < 3 && decoded.includes('%'); i++) {
    decoded = decoded.replace(/%([0-9a-f]{2})/gi, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
    if (
      decoded !== part &&
      (redactShapes(decoded) !== decoded || TOKEN_PARAM_VALUE.test(decoded))
    ) {
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
