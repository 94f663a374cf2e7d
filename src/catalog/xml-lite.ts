/**
 * A small, tolerant XML reader for the metadata documents inside packages and books (xar TOC,
 * PackageInfo, Distribution, container.xml, OPF). It builds a light element tree and nothing
 * more: DTDs are skipped, never expanded; only the five predefined entities and numeric
 * character references are decoded; input size, depth and element count are capped, and every
 * markup token and decoded character is charged to the file's {@link Budget}.
 */
import { Budget } from './budget.js';
import { CatalogError } from './errors.js';

/** One XML element: local and qualified name, attributes, children and concatenated text. */
export interface XmlElement {
  name: string;
  local: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** Limits for {@link parseXml}. */
export interface XmlLimits {
  maxChars?: number;
  maxDepth?: number;
  maxElements?: number;
}

const NAME = /^[^\s/>=]+/;

/**
 * Parses an XML document into a tree rooted at a synthetic `#document` element.
 * @throws CatalogError XML_INVALID on malformed or over-limit input, METADATA_BUDGET_EXCEEDED
 */
export function parseXml(
  text: string,
  limits: XmlLimits = {},
  budget: Budget = new Budget(),
): XmlElement {
  if (text.length > (limits.maxChars ?? 16 * 1024 * 1024)) fail('document too large');
  const maxDepth = limits.maxDepth ?? 128;
  const maxElements = limits.maxElements ?? 200_000;
  const root: XmlElement = {
    name: '#document',
    local: '#document',
    attrs: {},
    children: [],
    text: '',
  };
  const stack: XmlElement[] = [root];
  let count = 0;
  let i = 0;
  const addText = (el: XmlElement, raw: string) => {
    budget.output(raw.length);
    el.text += raw;
  };
  while (i < text.length) {
    budget.step();
    const lt = text.indexOf('<', i);
    const top = stack[stack.length - 1] as XmlElement;
    if (lt === -1) {
      addText(top, decodeEntities(text.slice(i)));
      break;
    }
    if (lt > i) addText(top, decodeEntities(text.slice(i, lt)));
    if (text.startsWith('<!--', lt)) i = skipPast(text, lt, '-->');
    else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt);
      if (end === -1) fail('unterminated CDATA');
      addText(top, text.slice(lt + 9, end));
      i = end + 3;
    } else if (text.startsWith('<?', lt)) i = skipPast(text, lt, '?>');
    else if (text.startsWith('<!', lt)) i = skipDoctype(text, lt);
    else if (text.startsWith('</', lt)) {
      const end = text.indexOf('>', lt);
      if (end === -1) fail('unterminated end tag');
      const name = text.slice(lt + 2, end).trim();
      if (stack.length < 2 || top.name !== name) fail('mismatched end tag');
      stack.pop();
      i = end + 1;
    } else {
      const { element, selfClosing, next } = readStartTag(text, lt);
      if (++count > maxElements) fail('too many elements');
      top.children.push(element);
      if (!selfClosing) {
        if (stack.length > maxDepth) fail('nested too deeply');
        stack.push(element);
      }
      i = next;
    }
  }
  if (stack.length !== 1) fail('unclosed element');
  return root;
}

function fail(why: string): never {
  throw new CatalogError('XML_INVALID', `The XML document is malformed (${why}).`);
}

function skipPast(text: string, from: number, terminator: string): number {
  const end = text.indexOf(terminator, from);
  if (end === -1) fail('unterminated markup');
  return end + terminator.length;
}

/** Skips `<!DOCTYPE ...>` including an internal subset in brackets, without interpreting it. */
function skipDoctype(text: string, from: number): number {
  let depth = 0;
  for (let i = from + 2; i < text.length; i++) {
    const c = text[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === '>' && depth <= 0) return i + 1;
  }
  return fail('unterminated declaration');
}

function readStartTag(
  text: string,
  lt: number,
): { element: XmlElement; selfClosing: boolean; next: number } {
  let i = lt + 1;
  const nameMatch = NAME.exec(text.slice(i, i + 256));
  if (!nameMatch) fail('bad element name');
  const name = nameMatch[0];
  i += name.length;
  const attrs: Record<string, string> = Object.create(null);
  for (;;) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (i >= text.length) fail('unterminated start tag');
    if (text[i] === '>')
      return { element: makeElement(name, attrs), selfClosing: false, next: i + 1 };
    if (text.startsWith('/>', i))
      return { element: makeElement(name, attrs), selfClosing: true, next: i + 2 };
    const attr = NAME.exec(text.slice(i, i + 256));
    if (!attr) fail('bad attribute');
    i += attr[0].length;
    while (/\s/.test(text[i] ?? '')) i++;
    if (text[i] !== '=') fail('attribute without value');
    i++;
    while (/\s/.test(text[i] ?? '')) i++;
    const quote = text[i];
    if (quote !== '"' && quote !== "'") fail('unquoted attribute');
    const end = text.indexOf(quote, i + 1);
    if (end === -1) fail('unterminated attribute');
    attrs[attr[0]] = decodeEntities(text.slice(i + 1, end));
    i = end + 1;
  }
}

function makeElement(name: string, attrs: Record<string, string>): XmlElement {
  const colon = name.indexOf(':');
  return {
    name,
    local: colon === -1 ? name : name.slice(colon + 1),
    attrs,
    children: [],
    text: '',
  };
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes predefined and numeric entities; any other entity stays literal (never expanded). */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,4});/g, (whole, body: string) => {
    if (body[0] === '#') {
      const code =
        body[1] === 'x' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return PREDEFINED[body] ?? whole;
  });
}

/** Depth-first search for elements by local name (namespace prefixes ignored). */
export function findAll(root: XmlElement, local: string, out: XmlElement[] = []): XmlElement[] {
  for (const child of root.children) {
    if (child.local === local) out.push(child);
    findAll(child, local, out);
  }
  return out;
}

/** The first element with that local name, depth-first. */
export function findFirst(root: XmlElement, local: string): XmlElement | undefined {
  for (const child of root.children) {
    if (child.local === local) return child;
    const hit = findFirst(child, local);
    if (hit) return hit;
  }
  return undefined;
}

/** Direct children with that local name. */
export function childrenNamed(el: XmlElement, local: string): XmlElement[] {
  return el.children.filter((c) => c.local === local);
}

/** Trimmed text of the first direct child with that local name. */
export function childText(el: XmlElement, local: string): string | undefined {
  const c = el.children.find((x) => x.local === local);
  return c ? c.text.trim() : undefined;
}
