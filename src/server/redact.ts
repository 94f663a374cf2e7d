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

/**
 * Whether `text` may contain anything redactText replaces (cheaper than the replaces): `eyJ`,
 * `ml_` (a link token, its `p` spelled any way), `token`, `bearer`, two dots (a JWS whose header
 * does not start `eyJ`), an encoded dot, or a stretch long enough to be a signature.
 */
function mayHoldSecret(text: string): boolean {
  if (text.includes('eyJ') || text.length >= LONG_STRETCH || MAY_HOLD_SECRET.test(text))
    return true;
  const dot = text.indexOf('.');
  return dot >= 0 && text.indexOf('.', dot + 1) >= 0;
}
const MAY_HOLD_SECRET = /ml_|token|bearer|%2e/i;

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
  let at = run.search(LINK_PREFIX);
  // A later "eyJ" has no more dots after it than the first: only the first needs looking at.
  let jws = run.indexOf('eyJ');
  if (jws >= 0 && (run.slice(jws).match(JWS_DOT)?.length ?? 0) < 2) jws = -1;
  for (const found of [jws, otherJwsStart(run), linkBodyStart(run), longStretchStart(run)]) {
    if (found >= 0 && (at < 0 || found < at)) at = found;
  }
  return at;
}

/** Base64url characters in a row that no path segment can hold (the path check caps one at 255 bytes). */
const LONG_STRETCH = 256;
/** The shortest signature rule B looks for: HS256's is 43 base64url characters, RS256's 342. */
const MIN_SIGNATURE = 40;
const BASE64URL_CHAR = /^[A-Za-z0-9_-]$/;

/**
 * A compact JWS whose header is JSON that does not start `{"` — `{ "alg"` is `eyAi…`, `{\n` is
 * `ewo…`, leading whitespace anything —, which the verifier accepts like any other: three
 * dot-separated segments (`%2E` counting as a dot) whose first decodes to text opening with
 * `{` and whose last is a signature-length base64url string. Linear: one split, a bounded decode
 * per candidate.
 */
function otherJwsStart(run: string): number {
  const parts = run.split(JWS_DOT);
  if (parts.length < 3) return -1;
  let offset = 0;
  const starts: number[] = [];
  for (const part of parts) {
    starts.push(offset);
    offset += part.length;
    // The separator after this part: '.' or a three-character escape.
    offset += run.startsWith('.', offset) ? 1 : 3;
  }
  for (let i = 0; i + 2 < parts.length; i++) {
    const signature = parts[i + 2]!;
    if (signature.length < MIN_SIGNATURE || !/^[A-Za-z0-9_-]+$/.test(signature)) continue;
    const head = Buffer.from(parts[i]!.slice(0, 64), 'base64url').toString('latin1');
    if (head.trimStart().startsWith('{')) return starts[i]!;
  }
  return -1;
}

/** A manifest-link token's body after `ml_` however its `p` was spelled (an overlong UTF-8 form). */
function linkBodyStart(run: string): number {
  const m = LINK_BODY.exec(run);
  return m === null ? -1 : m.index;
}
const LINK_BODY = /ml(?:_|%5[Ff])[A-Za-z0-9_-]{40,}/i;

/** The start of a run holding {@link LONG_STRETCH} base64url characters in a row (a signature), or -1. */
function longStretchStart(run: string): number {
  if (run.length < LONG_STRETCH) return -1;
  let inRow = 0;
  for (let i = 0; i < run.length; i++) {
    inRow = BASE64URL_CHAR.test(run[i]!) ? inRow + 1 : 0;
    if (inRow >= LONG_STRETCH) return 0;
  }
  return -1;
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

/** How many rounds of percent-decoding a logged part gets before it is given up as hidden. */
const MAX_DECODES = 6;

/**
 * `part`, or REDACTED when percent-decoding it reveals a secret shape — or still has escapes
 * that could spell one after {@link MAX_DECODES} rounds (encoded that often, it is hiding
 * something; a real URL is encoded once, twice when a link was pasted into another).
 */
function stillSecret(part: string): string {
  if (!SHAPE_ESCAPE.test(part) && !/%2e/i.test(part)) return part;
  let decoded = part;
  for (let i = 0; i < MAX_DECODES; i++) {
    const next = decoded.replace(/%([0-9a-f]{2})/gi, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
    if (next === decoded) return part;
    decoded = next;
    if (redactShapes(decoded) !== decoded || TOKEN_PARAM_VALUE.test(decoded)) return REDACTED;
  }
  return SHAPE_ESCAPE.test(decoded) ? REDACTED : part;
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
