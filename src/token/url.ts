/**
 * Moving tokens in and out of download URLs. Jamf Pro appends `?token=<jwt>` (or `&token=`)
 * to the content URL; the CLI accepts either a bare token or such a URL.
 */
import { TokenError } from './errors.js';
import { queryTokens, stripTokenParams, TOKEN_PARAM } from './request-token.js';

/**
 * Returns the token from a bare token or a URL carrying `token=`.
 * @example extractToken('https://dp.example/app.ipa?token=eyJ...') // 'eyJ...'
 * @throws TokenError TOKEN_MISSING when there is none, TOKEN_MALFORMED when there are several.
 */
export function extractToken(tokenOrUrl: string): string {
  if (typeof tokenOrUrl !== 'string') throw new TypeError('extractToken expects a string');
  const text = tokenOrUrl.trim();
  if (text === '') throw new TokenError('TOKEN_MISSING');
  if (!text.includes('?') && !text.includes('://')) return text;
  let url: URL;
  try {
    url = new URL(text, 'http://localhost/');
  } catch {
    throw new TokenError('TOKEN_MALFORMED', 'The URL could not be parsed.');
  }
  const tokens = queryTokens(url.search.slice(1));
  if (tokens.length === 0 || tokens[0] === '') throw new TokenError('TOKEN_MISSING');
  if (tokens.length > 1) {
    throw new TokenError('TOKEN_MALFORMED', 'The URL carries more than one token parameter.');
  }
  return tokens[0]!;
}

/**
 * Adds (or replaces) the `token` query parameter, leaving the rest of the URL byte-for-byte as is.
 * @example addTokenToUrl('https://dp/a.ipa?x=1#f', t) // 'https://dp/a.ipa?x=1&token=t#f'
 */
export function addTokenToUrl(url: string, token: string): string {
  if (typeof url !== 'string' || url === '') throw new TypeError('addTokenToUrl expects a URL');
  if (typeof token !== 'string' || token === '')
    throw new TypeError('addTokenToUrl expects a token');
  const hashAt = url.indexOf('#');
  const fragment = hashAt >= 0 ? url.slice(hashAt) : '';
  const beforeHash = hashAt >= 0 ? url.slice(0, hashAt) : url;
  const queryAt = beforeHash.indexOf('?');
  const base = queryAt >= 0 ? beforeHash.slice(0, queryAt) : beforeHash;
  const query = queryAt >= 0 ? beforeHash.slice(queryAt + 1) : '';
  const kept = stripTokenParams(query)
    .split('&')
    .filter((part) => part !== '');
  kept.push(`${TOKEN_PARAM}=${encodeURIComponent(token)}`);
  return `${base}?${kept.join('&')}${fragment}`;
}
