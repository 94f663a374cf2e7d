/**
 * Content types as a table. Apple's installers care about a few of them (manifests, profiles);
 * for app and package archives `application/octet-stream` is what Jamf and Apple's own
 * distribution points send and what every client accepts.
 */

/** Extension (lower case, with dot) → Content-Type. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.ipa': 'application/octet-stream',
  '.pkg': 'application/octet-stream',
  '.mpkg': 'application/octet-stream',
  '.dmg': 'application/x-apple-diskimage',
  '.plist': 'application/xml',
  '.mobileconfig': 'application/x-apple-aspen-config',
  '.epub': 'application/epub+zip',
  '.ibooks': 'application/x-ibooks+zip',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
};

/** Used for anything not in the table: never guessed from content (nosniff is always sent). */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * Content-Type for a file name.
 * @example contentTypeFor('App.IPA') // 'application/octet-stream'
 */
export function contentTypeFor(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return DEFAULT_CONTENT_TYPE;
  return CONTENT_TYPES[name.slice(dot).toLowerCase()] ?? DEFAULT_CONTENT_TYPE;
}
