/**
 * Where a request's token comes from: the `token` query parameter (what Jamf Pro appends) or,
 * unless disabled, `Authorization: Bearer`. Ambiguity is refused rather than resolved.
 */
import { TokenError } from '../token/errors.js';

/**
 * Returns the token, null when none was sent, or a TokenError (TOKEN_MALFORMED) when the
 * request carries more than one.
 */
export function extractRequestToken(
  query: string,
  authorization: string | undefined,
  allowBearer: boolean,
): string | null | TokenError {
  let fromQuery: string | null = null;
  if (query !== '' && query.includes('token')) {
    const values = tokenParams(query);
    if (values.length > 1) return new TokenError('TOKEN_MALFORMED');
    if (values.length === 1 && values[0] !== '') fromQuery = values[0]!;
  }
  let fromHeader: string | null = null;
  if (allowBearer && authorization !== undefined) {
    const m = /^Bearer +([^\s]+) *$/i.exec(authorization);
    if (m) fromHeader = m[1]!;
  }
  if (fromQuery !== null && fromHeader !== null) return new TokenError('TOKEN_MALFORMED');
  return fromQuery ?? fromHeader;
}

/**
 * Values of every `token` parameter. Without `%` or `+` nothing needs decoding, and cutting the
 * query at each `&` and the first `=` gives exactly what URLSearchParams would (it is the hot
 * path: Jamf tokens are plain base64url); anything else goes through URLSearchParams.
 */
function tokenParams(query: string): string[] {
  if (query.includes('%') || query.includes('+')) return new URLSearchParams(query).getAll('token');
  const values: string[] = [];
  for (let start = 0; start < query.length; ) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    const nameEnd = start + NAME.length;
    if (
      query.startsWith(NAME, start) &&
      (nameEnd === end || query.charCodeAt(nameEnd) === EQUALS)
    ) {
      values.push(nameEnd === end ? '' : query.slice(nameEnd + 1, end));
    }
    start = end + 1;
  }
  return values;
}

const NAME = 'token';
const EQUALS = 0x3d;
