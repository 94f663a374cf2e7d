/**
 * Structural parsing of compact JWS: exactly three canonical base64url segments, header and
 * payload JSON objects without duplicate members, strict UTF-8. No crypto, no trust: callers that
 * need trust use TokenVerifier, which runs these steps in pipeline order around the signature check.
 */
import { decodeBase64Url } from './base64url.js';
import { TokenError } from './errors.js';
import { parseJsonObject } from './json.js';

// ignoreBOM keeps a leading BOM in the text so JSON.parse refuses it instead of a silent strip.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The three raw segments of a compact JWS plus the exact signing input. */
export interface TokenParts {
  header: string;
  payload: string;
  signature: string;
  signingInput: string;
}

/** A structurally valid but unverified token. */
export interface DecodedToken {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signature: Uint8Array;
  signingInput: string;
}

/** Splits a compact JWS into exactly three segments; throws TOKEN_MISSING / TOKEN_MALFORMED. */
export function splitToken(token: unknown): TokenParts {
  if (token === undefined || token === null || token === '') throw new TokenError('TOKEN_MISSING');
  if (typeof token !== 'string') throw new TokenError('TOKEN_MALFORMED');
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.indexOf('.', second + 1) >= 0) {
    throw new TokenError('TOKEN_MALFORMED', 'The token must have exactly three segments.');
  }
  return {
    header: token.slice(0, first),
    payload: token.slice(first + 1, second),
    signature: token.slice(second + 1),
    signingInput: token.slice(0, second),
  };
}

/** Decodes a header or payload segment to bytes; throws TOKEN_MALFORMED when not canonical. */
export function decodeSegmentBytes(segment: string, what: 'header' | 'payload'): Uint8Array {
  const bytes = decodeBase64Url(segment);
  if (bytes === null) {
    throw new TokenError('TOKEN_MALFORMED', `The token ${what} is not canonical base64url.`);
  }
  return bytes;
}

/** Parses decoded segment bytes as a strict-UTF-8 JSON object without duplicate members. */
export function parseJsonBytes(
  bytes: Uint8Array,
  what: 'header' | 'payload',
): Record<string, unknown> {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new TokenError('TOKEN_MALFORMED', `The token ${what} is not valid UTF-8.`);
  }
  const value = parseJsonObject(text);
  if (value === null) {
    throw new TokenError(
      'TOKEN_MALFORMED',
      `The token ${what} must be a JSON object without duplicate members.`,
    );
  }
  return value;
}

/** Decodes one base64url segment holding a JSON object (header or payload). */
export function decodeJsonSegment(
  segment: string,
  what: 'header' | 'payload',
): Record<string, unknown> {
  return parseJsonBytes(decodeSegmentBytes(segment, what), what);
}

/** Decodes the signature segment to bytes. */
export function decodeSignatureSegment(segment: string): Uint8Array {
  const bytes = decodeBase64Url(segment);
  if (bytes === null) {
    throw new TokenError('TOKEN_MALFORMED', 'The token signature is not canonical base64url.');
  }
  return bytes;
}

/**
 * Structural parse only — does NOT verify anything. Throws TokenError on malformed input.
 * @example const { header, claims } = decodeToken(token)
 */
export function decodeToken(token: string): DecodedToken {
  const parts = splitToken(token);
  return {
    header: decodeJsonSegment(parts.header, 'header'),
    claims: decodeJsonSegment(parts.payload, 'payload'),
    signature: decodeSignatureSegment(parts.signature),
    signingInput: parts.signingInput,
  };
}
