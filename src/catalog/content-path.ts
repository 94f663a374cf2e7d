/**
 * Content paths as the catalog stores them: relative, '/'-separated, NFC-normalised, with the
 * same per-segment rules the content listener applies to request paths (src/http/path.ts), so
 * anything the catalog accepts is something serve can hand out, and nothing else.
 */
import { checkRequestPath } from '../http/path.js';
import { isReservedContentPath, RESERVED_PREFIX } from '../http/reserved.js';
import { CatalogError } from './errors.js';

/** Longest content path accepted, in UTF-8 bytes. */
export const MAX_CONTENT_PATH_BYTES = 1024;

/**
 * Normalises a decoded relative path (CLI `--path`, multipart `path` field, file names).
 * Leading slashes are dropped; `..`, dotfiles, empty segments, backslashes, control
 * characters, over-long names and anything under the listener's reserved `/_portcullis/` prefix
 * (any letter case, any encoding) are refused.
 * @throws CatalogError PATH_INVALID
 * @example normalizeContentPath('apps/Field Kit.ipa') // 'apps/Field Kit.ipa'
 */
export function normalizeContentPath(input: string): string {
  if (typeof input !== 'string') throw new TypeError('path must be a string');
  const nfc = input.normalize('NFC').replace(/^\/+/, '');
  if (nfc === '' || nfc.endsWith('/')) throw pathInvalid('it names a directory');
  const encoded = `/${nfc.split('/').map(encodeURIComponent).join('/')}`;
  return checkEncoded(encoded);
}

/**
 * Normalises a still-encoded request path tail (the part after `/api/v1/content/`).
 * @throws CatalogError PATH_INVALID
 */
export function normalizeEncodedContentPath(rawTail: string): string {
  return checkEncoded(`/${rawTail.replace(/^\/+/, '')}`);
}

function checkEncoded(encodedPath: string): string {
  const checked = checkRequestPath(encodedPath);
  if (!checked.ok) throw pathInvalid(checked.reason);
  if (checked.directory || checked.segments.length === 0) throw pathInvalid('it names a directory');
  const path = checked.segments.map((s) => s.normalize('NFC')).join('/');
  if (Buffer.byteLength(path, 'utf8') > MAX_CONTENT_PATH_BYTES) throw pathInvalid('too-long');
  // The listener never serves a file there (it answers its own routes or 404), so a file stored
  // there would sit in the catalog with links that can never work. Same test as the listener's.
  if (isReservedContentPath(`/${path}`)) {
    throw pathInvalid(`${RESERVED_PREFIX} is reserved for Portcullis itself`);
  }
  return path;
}

function pathInvalid(reason: string): CatalogError {
  return new CatalogError('PATH_INVALID', `The content path is not acceptable (${reason}).`);
}

/** Percent-encodes each segment of a content path for use in a URL. */
export function encodeContentPath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
