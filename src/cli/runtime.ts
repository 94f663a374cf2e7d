/**
 * The Node.js releases Portcullis runs on, checked before any command loads: on an older
 * release the first failure would otherwise be a misleading one deep inside (the store's
 * `node:sqlite` is missing before 22.5, and reads as "the database file cannot be opened").
 */

/** `engines` in package.json, in words. */
export const SUPPORTED_NODE = 'Node.js 22.16 or newer on the 22 line, or 24 or newer';

/** Why this Node.js version cannot run Portcullis, or null when it can. */
export function unsupportedNode(version: string): string | null {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  const supported = (major === 22 && minor >= 16) || major >= 24;
  return supported ? null : `needs ${SUPPORTED_NODE}; this is Node.js v${version}`;
}
