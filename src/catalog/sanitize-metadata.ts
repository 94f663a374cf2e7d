/**
 * The one cleaner of catalog metadata: every string a reader returns came from an untrusted file
 * and ends up in the store, the admin API, device manifests, terminals and the console. Here each
 * string is cut to its field's cap (ids and versions are short, titles a little longer), made
 * well-formed UTF-16 (a lone surrogate is invalid JSON to strict parsers such as jq) and freed of
 * control characters; lists and objects are bounded in count. The work is linear in the capped
 * size, never in what the file claimed.
 */

/** Longest id, version, language or date string kept (bundle ids are at most 155 in practice). */
export const MAX_ID_CHARS = 256;
/** Longest title-like string kept (titles, authors, profile and team names). */
export const MAX_TITLE_CHARS = 512;
/** Longest install location kept (a path). */
export const MAX_PATH_CHARS = 1024;
/** Most entries kept of any list (component packages, platforms). */
export const MAX_LIST_ITEMS = 100;
/** Most keys kept of any object, and the longest key. */
export const MAX_OBJECT_KEYS = 64;
const MAX_KEY_CHARS = 128;
/** Nesting below which values are dropped: reader output is at most three levels deep. */
const MAX_DEPTH = 8;

/** Caps by field name; any other string gets {@link MAX_TITLE_CHARS}. */
const FIELD_CAPS: Readonly<Record<string, number>> = {
  bundleId: MAX_ID_CHARS,
  id: MAX_ID_CHARS,
  version: MAX_ID_CHARS,
  buildVersion: MAX_ID_CHARS,
  minimumOsVersion: MAX_ID_CHARS,
  identifier: MAX_ID_CHARS,
  language: MAX_ID_CHARS,
  packageType: MAX_ID_CHARS,
  bookFormat: MAX_ID_CHARS,
  profileExpiresAt: MAX_ID_CHARS,
  unreadableCode: MAX_ID_CHARS,
  platforms: MAX_ID_CHARS,
  title: MAX_TITLE_CHARS,
  author: MAX_TITLE_CHARS,
  profileName: MAX_TITLE_CHARS,
  teamName: MAX_TITLE_CHARS,
  installLocation: MAX_PATH_CHARS,
};

/** C0 controls, DEL and C1 controls: terminal escapes and log-line breakers. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** `String.prototype.toWellFormed` (ES2024, Node 20+); the project's lib is ES2023. */
type WellFormed = string & { toWellFormed(): string };

/**
 * Cuts `s` to `max` UTF-16 units (not splitting a surrogate pair), replaces lone surrogates with
 * U+FFFD and control characters with a space.
 * @example cleanString('Evil\u001b[2J', 512) // 'Evil [2J'
 */
export function cleanString(s: string, max: number): string {
  let cut = s.length > max ? s.slice(0, max) : s;
  // A pair cut in half would become U+FFFD; drop its high half instead.
  const last = cut.charCodeAt(cut.length - 1);
  if (cut.length < s.length && last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return (cut as WellFormed).toWellFormed().replace(CONTROLS, ' ');
}

/**
 * Cleans what a reader returned: every string capped for its field, well-formed and without
 * control characters; lists and objects bounded; `__proto__` keys dropped.
 * @example sanitizeMetadata({ bundleId: 'x'.repeat(400_000) }) // { bundleId: 'xxx…' (256) }
 */
export function sanitizeMetadata(value: unknown, depth = 0, field = ''): unknown {
  if (typeof value === 'string') return cleanString(value, FIELD_CAPS[field] ?? MAX_TITLE_CHARS);
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    return value.slice(0, MAX_LIST_ITEMS).map((v) => sanitizeMetadata(v, depth + 1, field));
  }
  const out: Record<string, unknown> = {};
  let kept = 0;
  for (const k in value) {
    if (!Object.hasOwn(value, k) || k === '__proto__') continue; // would set the prototype
    if (kept++ >= MAX_OBJECT_KEYS) break;
    const key = cleanString(k, MAX_KEY_CHARS);
    out[key] = sanitizeMetadata((value as Record<string, unknown>)[k], depth + 1, key);
  }
  return out;
}
