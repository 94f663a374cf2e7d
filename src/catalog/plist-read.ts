/**
 * Reads a property list of either flavour (binary bplist00 or XML) from bytes, bounded, and
 * offers typed accessors that only look at own keys, so hostile keys never reach a prototype.
 */
import { isBinaryPlist, type PlistData, parseBinaryPlist } from './bplist.js';
import { Budget } from './budget.js';
import { CatalogError } from './errors.js';
import { parseXmlPlist } from './xml-plist.js';

/** Largest plist (either format) the catalog reads. */
export const MAX_PLIST_BYTES = 4 * 1024 * 1024;

/** A decoded plist dictionary. */
export type PlistDict = { [key: string]: PlistData };

/**
 * Decodes a binary or XML property list and requires a dictionary at the top.
 * @throws CatalogError PLIST_INVALID / PLIST_TOO_COMPLEX / METADATA_BUDGET_EXCEEDED
 */
export function readPlistDict(bytes: Uint8Array, budget: Budget = new Budget()): PlistDict {
  if (bytes.length > MAX_PLIST_BYTES)
    throw new CatalogError('PLIST_TOO_COMPLEX', 'The property list is too large.');
  let value: unknown;
  if (isBinaryPlist(bytes)) {
    value = parseBinaryPlist(bytes, {}, budget);
  } else {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    // Entity declarations are the one XML feature that turns small input into huge output;
    // a plist never needs them, so refuse before the XML parser sees the document.
    if (/<!ENTITY/i.test(text))
      throw new CatalogError('PLIST_INVALID', 'The XML property list declares entities.');
    if (!/<plist[\s>]/.test(text))
      throw new CatalogError('PLIST_INVALID', 'The XML property list has no <plist> element.');
    value = parseXmlPlist(text, budget);
  }
  if (!isDict(value))
    throw new CatalogError('PLIST_INVALID', 'The property list is not a dictionary.');
  return value;
}

/** True for a plain dictionary value (not an array, date or data). */
export function isDict(value: unknown): value is PlistDict {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof Uint8Array)
  );
}

/** Longest string {@link plistString} hands a reader: more than any catalog field keeps. */
export const MAX_FIELD_CHARS = 1024;

/** The string at an own key (at most {@link MAX_FIELD_CHARS} units), or undefined. */
export function plistString(dict: PlistDict, key: string): string | undefined {
  if (!Object.hasOwn(dict, key)) return undefined;
  const v = dict[key];
  // Cut here, before a reader copies it into several fields; the sanitiser caps per field.
  return typeof v === 'string' ? v.slice(0, MAX_FIELD_CHARS) : undefined;
}

/** The array at an own key, or an empty array. */
export function plistArray(dict: PlistDict, key: string): PlistData[] {
  if (!Object.hasOwn(dict, key)) return [];
  const v = dict[key];
  return Array.isArray(v) ? v : [];
}

/** The value at an own key, or undefined. */
export function plistValue(dict: PlistDict, key: string): PlistData | undefined {
  return Object.hasOwn(dict, key) ? dict[key] : undefined;
}
