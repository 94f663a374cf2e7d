/**
 * XML property lists read with the catalog's own bounded XML reader instead of a DOM parser:
 * the DOM parser had no depth, size or step limits (a deeply nested Info.plist blocked for
 * seconds at hundreds of MB). Input, nesting, elements, steps and decoded bytes are all charged
 * to the file's {@link Budget}; values decode as the `plist` package decoded them for real files.
 */
import type { PlistData } from './bplist.js';
import { Budget } from './budget.js';
import { CatalogError } from './errors.js';
import { parseXml, type XmlElement } from './xml-lite.js';

/** Deepest `<dict>`/`<array>` nesting accepted, as for binary plists. */
export const MAX_XML_PLIST_DEPTH = 64;

/**
 * Decodes an XML plist document (the `<plist>` root's single value).
 * @throws CatalogError PLIST_INVALID when malformed, PLIST_TOO_COMPLEX when nested too deeply,
 *   METADATA_BUDGET_EXCEEDED past the budget.
 */
export function parseXmlPlist(text: string, budget: Budget = new Budget()): PlistData {
  let doc: XmlElement;
  try {
    // +2 levels: the synthetic document root and <plist> itself.
    doc = parseXml(text, { maxDepth: MAX_XML_PLIST_DEPTH + 2 }, budget);
  } catch (err) {
    if (err instanceof CatalogError && err.code === 'XML_INVALID') {
      const deep = err.message.includes('nested too deeply');
      throw new CatalogError(
        deep ? 'PLIST_TOO_COMPLEX' : 'PLIST_INVALID',
        deep ? 'The property list is nested too deeply.' : 'The XML property list is malformed.',
        { cause: err },
      );
    }
    throw err;
  }
  const root = doc.children.find((c) => c.name === 'plist');
  if (!root || doc.children.length !== 1) invalid('the document element is not <plist>');
  const values = root.children.map((c) => decode(c, budget));
  return values.length === 1 ? (values[0] as PlistData) : values;
}

function invalid(why: string): never {
  throw new CatalogError('PLIST_INVALID', `The XML property list is malformed (${why}).`);
}

function decode(el: XmlElement, budget: Budget): PlistData {
  budget.step();
  switch (el.name) {
    case 'dict':
      return decodeDict(el, budget);
    case 'array':
      // `<null/>` members are dropped, as the plist package did.
      return el.children.map((c) => decode(c, budget)).filter((v) => v !== null);
    case 'key':
    case 'string':
      return el.text;
    case 'integer':
      if (el.text === '') invalid('empty <integer>');
      return Number.parseInt(el.text, 10);
    case 'real':
      if (el.text === '') invalid('empty <real>');
      return Number.parseFloat(el.text);
    case 'data':
      return Uint8Array.from(Buffer.from(el.text.replace(/\s+/g, ''), 'base64'));
    case 'date':
      if (el.text === '') invalid('empty <date>');
      return new Date(el.text);
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    default:
      return invalid(`unknown element <${el.name.slice(0, 40)}>`);
  }
}

function decodeDict(el: XmlElement, budget: Budget): { [key: string]: PlistData } {
  const out: { [key: string]: PlistData } = Object.create(null);
  const items = el.children;
  for (let i = 0; i < items.length; i += 2) {
    const keyEl = items[i] as XmlElement;
    if (keyEl.name !== 'key') invalid('missing <key> in <dict>');
    const valueEl = items[i + 1];
    if (valueEl?.name === 'key') invalid('two keys in a row in <dict>');
    // A trailing key without a value reads as "", as the plist package read it.
    out[keyEl.text] = valueEl ? decode(valueEl, budget) : '';
  }
  return out;
}
