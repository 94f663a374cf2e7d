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
    const values = new URLSearchParams(query).getAll('token');
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
