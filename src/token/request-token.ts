/**
 * The one place that says where a download token travels and how it leaves a URL. Jamf Pro
 * appends `token=<jwt>` to the content URL; a client may instead send `Authorization: Bearer`.
 * Parameter names are read the way every URL parser reads them (WHATWG form decoding, what
 * URLSearchParams does), so `%74oken=` is a token parameter here, upstream and in a front server
 * alike: nothing can smuggle a second token past one reader that another reader would see.
 * Pure string work, no `node:` import, so edge builds can share it.
 */
import { TokenError } from './errors.js';

/** The query parameter Jamf Pro puts the token in. */
export const TOKEN_PARAM = 'token';

/** `Authorization: Bearer <token>`: one token, no other scheme, no trailing parameters. */
const BEARER = /^Bearer +([^\s]+) *$/i;

/** The token of an `Authorization: Bearer` header, or null when the header carries none. */
export function bearerToken(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  const m = BEARER.exec(authorization);
  return m ? m[1]! : null;
}

/**
 * Values of every `token` parameter of a raw query string (without the `?`), decoded. Without
 * `%` or `+` nothing needs decoding, and cutting at each `&` and the first `=` gives exactly
 * what URLSearchParams would (the hot path: Jamf tokens are plain base64url).
 */
export function queryTokens(query: string): string[] {
  if (query === '') return [];
  const encoded = query.includes('%');
  if (!encoded && !query.includes(TOKEN_PARAM)) return [];
  if (encoded || query.includes('+')) return formDecoded(query).getAll(TOKEN_PARAM);
  const values: string[] = [];
  for (let start = 0; start < query.length; ) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    const nameEnd = start + TOKEN_PARAM.length;
    if (
      query.startsWith(TOKEN_PARAM, start) &&
      (nameEnd === end || query.charCodeAt(nameEnd) === EQUALS)
    ) {
      values.push(nameEnd === end ? '' : query.slice(nameEnd + 1, end));
    }
    start = end + 1;
  }
  return values;
}

const EQUALS = 0x3d;

/**
 * The request's token: null when none was sent, a TokenError (TOKEN_MALFORMED) when the request
 * carries more than one (two `token` parameters, a parameter and a Bearer header, or, with
 * Bearer allowed, two Authorization headers). Ambiguity is refused, never resolved: a front
 * server or an upstream could pick the other one. An empty `token=` counts as none.
 * `authorization` is the header's value, or every value when the caller has them.
 */
export function requestToken(
  query: string,
  authorization: string | readonly string[] | undefined,
  allowBearer: boolean,
): string | null | TokenError {
  const values = queryTokens(query);
  if (values.length > 1) return new TokenError('TOKEN_MALFORMED');
  const fromQuery = values.length === 1 && values[0] !== '' ? values[0]! : null;
  let fromHeader: string | null = null;
  if (allowBearer && authorization !== undefined) {
    if (typeof authorization !== 'string' && authorization.length > 1) {
      return new TokenError('TOKEN_MALFORMED');
    }
    fromHeader = bearerToken(typeof authorization === 'string' ? authorization : authorization[0]);
  }
  if (fromQuery !== null && fromHeader !== null) return new TokenError('TOKEN_MALFORMED');
  return fromQuery ?? fromHeader;
}

/** Whether one raw `name=value` pair of a query is a token parameter (its name form-decoded). */
export function isTokenPair(pair: string): boolean {
  const eq = pair.indexOf('=');
  const name = eq < 0 ? pair : pair.slice(0, eq);
  if (!name.includes('%') && !name.includes('+')) return name === TOKEN_PARAM;
  // URLSearchParams' own decoding, so this agrees with queryTokens on every input.
  return formDecoded(name).keys().next().value === TOKEN_PARAM;
}

/**
 * URLSearchParams over a raw query. The leading `&` keeps a leading `?` literal (the constructor
 * would drop it), as a URL's own `searchParams` does for `/a??token=x`.
 */
function formDecoded(query: string): URLSearchParams {
  return new URLSearchParams(`&${query}`);
}

/**
 * Removes every token parameter from a raw query string (without the `?`), keeping every other
 * pair byte for byte and in order, so what goes upstream or into a log never carries a token.
 */
export function stripTokenParams(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .filter((pair) => !isTokenPair(pair))
    .join('&');
}
