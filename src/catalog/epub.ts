/**
 * Metadata of an EPUB book: META-INF/container.xml names the package document (OPF), whose
 * Dublin Core fields give title, creator, identifier and language. Two bounded zip reads.
 */
import { Budget } from './budget.js';
import type { ReadSource } from './byte-source.js';
import { CatalogError } from './errors.js';
import { childrenNamed, findAll, findFirst, parseXml } from './xml-lite.js';
import { readZipEntries, type ZipLimits } from './zip.js';

/** Metadata read from an .epub. */
export interface EpubMetadata {
  title?: string;
  author?: string;
  identifier?: string;
  language?: string;
}

const CONTAINER = 'META-INF/container.xml';

/**
 * Reads the OPF metadata of an EPUB.
 * @throws CatalogError ZIP_* / XML_INVALID, ZIP_ENTRY_MISSING without container or OPF
 */
export async function readEpubMetadata(
  source: ReadSource,
  limits: ZipLimits = {},
  budget: Budget = new Budget(),
): Promise<EpubMetadata> {
  const first = await readZipEntries(
    source,
    (n) => (n === CONTAINER ? 'container' : undefined),
    limits,
    budget,
  );
  const container = first.get('container');
  if (!container)
    throw new CatalogError('ZIP_ENTRY_MISSING', 'The book has no META-INF/container.xml.');
  const rootfile = findFirst(parseXml(new TextDecoder().decode(container), {}, budget), 'rootfile');
  const opfPath = rootfile?.attrs['full-path'];
  if (!opfPath || opfPath.length > 1024)
    throw new CatalogError('ZIP_ENTRY_MISSING', 'The book names no package document.');
  const second = await readZipEntries(
    source,
    (n) => (n === opfPath ? 'opf' : undefined),
    limits,
    budget,
  );
  const opf = second.get('opf');
  if (!opf)
    throw new CatalogError(
      'ZIP_ENTRY_MISSING',
      'The package document named by container.xml is missing.',
    );
  return readOpf(new TextDecoder().decode(opf), budget);
}

/** Extracts Dublin Core metadata from an OPF package document. */
export function readOpf(xml: string, budget: Budget = new Budget()): EpubMetadata {
  const root = parseXml(xml, { maxChars: 4 * 1024 * 1024 }, budget);
  const pkg = findFirst(root, 'package');
  const metadata = pkg ? childrenNamed(pkg, 'metadata')[0] : findFirst(root, 'metadata');
  if (!metadata) return {};
  const text = (local: string) => {
    const el = findAll(metadata, local).find((e) => e.text.trim() !== '');
    return el ? clip(el.text) : undefined;
  };
  const meta: EpubMetadata = {};
  const title = text('title');
  if (title) meta.title = title;
  const author = text('creator');
  if (author) meta.author = author;
  const language = text('language');
  if (language) meta.language = language;
  // Prefer the identifier the package marks as unique; fall back to the first one.
  const uid = pkg?.attrs['unique-identifier'];
  const ids = findAll(metadata, 'identifier');
  const id = ids.find((e) => uid !== undefined && e.attrs.id === uid) ?? ids[0];
  if (id?.text.trim()) meta.identifier = clip(id.text);
  return meta;
}

function clip(s: string): string {
  return s.trim().replace(/\s+/g, ' ').slice(0, 512);
}
