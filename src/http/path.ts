/**
 * Request-path safety as a pure function: it looks only at the URL, never at the disk, so it can
 * run before the token check without revealing anything about the content root.
 * Symlink containment is checked later by the file adapter (it needs the disk).
 */

/** Why a path was refused (for logs and tests; clients only see PATH_REJECTED). */
export type PathRejection =
  | 'not-absolute'
  | 'encoded-slash'
  | 'backslash'
  | 'control-character'
  | 'bad-encoding'
  | 'double-encoding'
  | 'empty-segment'
  | 'dot-segment'
  | 'dotfile'
  | 'too-long';

/** Outcome of {@link checkRequestPath}. */
export type PathCheck =
  | {
      ok: true /** decoded segments, never empty strings */;
      segments: string[] /** decoded `/a/b.ipa`; `/` for the root */;
      path: string;
      directory: boolean;
    }
  | { ok: false; reason: PathRejection };

const MAX_PATH_LENGTH = 4096;
const utf8 = new TextEncoder();
const MAX_SEGMENT_LENGTH = 255;
// After one decoding pass a remaining %XX means the client encoded twice: refuse rather than guess.
const ENCODED_ESCAPE = /%[0-9a-f]{2}/i;
// C0 controls and DEL; NUL would truncate paths in C APIs.
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * Decodes and checks the path part of a request target (no query string).
 * @example checkRequestPath('/apps/My%20App.ipa') // { ok: true, segments: ['apps', 'My App.ipa'], ... }
 */
export function checkRequestPath(rawPath: string): PathCheck {
  if (!rawPath.startsWith('/')) return { ok: false, reason: 'not-absolute' };
  if (rawPath.length > MAX_PATH_LENGTH) return { ok: false, reason: 'too-long' };
  if (rawPath.includes('\\')) return { ok: false, reason: 'backslash' };
  const directory = rawPath.endsWith('/');
  const rawSegments = rawPath.slice(1, directory ? -1 : undefined);
  if (rawSegments === '') return { ok: true, segments: [], path: '/', directory: true };
  const segments: string[] = [];
  for (const raw of rawSegments.split('/')) {
    const result = checkSegment(raw);
    if (typeof result !== 'string') return result;
    segments.push(result);
  }
  return { ok: true, segments, path: `/${segments.join('/')}`, directory };
}

function checkSegment(raw: string): string | { ok: false; reason: PathRejection } {
  if (raw === '') return { ok: false, reason: 'empty-segment' };
  if (/%2f/i.test(raw)) return { ok: false, reason: 'encoded-slash' };
  if (/%5c/i.test(raw)) return { ok: false, reason: 'backslash' };
  let decoded: string;
  try {
    // decodeURIComponent rejects invalid and overlong UTF-8 (e.g. %c0%ae) with URIError.
    decoded = decodeURIComponent(raw);
  } catch {
    return { ok: false, reason: 'bad-encoding' };
  }
  if (hasControl(decoded)) return { ok: false, reason: 'control-character' };
  if (decoded.includes('/')) return { ok: false, reason: 'encoded-slash' };
  if (decoded.includes('\\')) return { ok: false, reason: 'backslash' };
  if (ENCODED_ESCAPE.test(decoded)) return { ok: false, reason: 'double-encoding' };
  if (decoded === '.' || decoded === '..') return { ok: false, reason: 'dot-segment' };
  // Dotfiles and dot-directories (.git, .env, .htpasswd) are never content.
  if (decoded.startsWith('.')) return { ok: false, reason: 'dotfile' };
  if (utf8.encode(decoded).length > MAX_SEGMENT_LENGTH) return { ok: false, reason: 'too-long' };
  return decoded;
}
