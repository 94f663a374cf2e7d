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

/**
 * Media types a browser renders as a document that can run script or load other content: HTML,
 * XML of any kind (an XML file whose root is in the XHTML namespace runs script, so a `.plist`
 * opened through its signed URL would execute on the distribution origin), SVG, XSLT, script
 * itself, and multipart/x-mixed-replace. Any `+xml` suffix counts too (see isActiveContentType).
 */
export const ACTIVE_CONTENT_TYPES: ReadonlySet<string> = new Set([
  'text/html',
  'application/xhtml+xml',
  'application/xml',
  'text/xml',
  'text/xsl',
  'application/xslt+xml',
  'image/svg+xml',
  'text/javascript',
  'application/javascript',
  'application/ecmascript',
  'text/ecmascript',
  'multipart/x-mixed-replace',
]);

/**
 * True when a browser would render this Content-Type as active content (parameters ignored).
 * @example isActiveContentType('application/xml; charset=utf-8') // true
 */
export function isActiveContentType(contentType: string): boolean {
  const semi = contentType.indexOf(';');
  const essence = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return ACTIVE_CONTENT_TYPES.has(essence) || essence.endsWith('+xml');
}

/**
 * Content-Disposition for content a browser must not render in the distribution origin: such
 * files are saved, never displayed. Devices ignore the header (installd and MDM clients read the
 * body), so manifests keep their XML type and keep working.
 */
export const ACTIVE_CONTENT_DISPOSITION = 'attachment';

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

/**
 * The type headers of a file: its Content-Type, plus `Content-Disposition: attachment` when that
 * type is active content. One frozen object per extension, so the hot path allocates nothing.
 * @example contentHeadersFor('manifest.plist') // { 'content-type': 'application/xml', 'content-disposition': 'attachment' }
 */
export function contentHeadersFor(name: string): Readonly<Record<string, string>> {
  const type = contentTypeFor(name);
  const known = headersByType.get(type);
  if (known !== undefined) return known;
  const fields: Record<string, string> = { 'content-type': type };
  if (isActiveContentType(type)) fields['content-disposition'] = ACTIVE_CONTENT_DISPOSITION;
  const headers = Object.freeze(fields);
  headersByType.set(type, headers);
  return headers;
}

// Bounded by the table above: one entry per distinct type.
const headersByType = new Map<string, Readonly<Record<string, string>>>();
