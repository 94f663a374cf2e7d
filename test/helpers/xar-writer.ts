/**
 * A tiny xar writer for tests: builds flat .pkg archives (component and distribution) and
 * hostile variants (lying TOC lengths, offsets past EOF) so the catalog's xar reader is
 * exercised against bytes it did not produce. Not used by src/.
 */
import { deflateSync } from 'node:zlib';

/** A file to place in the archive heap. */
export interface XarFile {
  /** '/'-separated path; directories are created as needed. */
  path: string;
  data: Buffer | string;
  /** 'zlib' (xar's "application/x-gzip") or 'none'. Default 'zlib'. */
  encoding?: 'zlib' | 'none';
  /** Override the <offset> written for this file (hostile fixtures). */
  offsetOverride?: number;
  /** Override the extracted <size> written for this file. */
  sizeOverride?: number;
}

/** Knobs for hostile archives. */
export interface XarOptions {
  /** Value written as toc_length_compressed instead of the real one. */
  tocCompressedOverride?: number;
  /** Value written as toc_length_uncompressed instead of the real one. */
  tocUncompressedOverride?: number;
  /** Replace the TOC XML entirely. */
  tocXml?: string;
}

interface Node {
  name: string;
  file?: {
    data: Buffer;
    archived: Buffer;
    encoding: string;
    offsetOverride?: number;
    sizeOverride?: number;
  };
  children: Map<string, Node>;
}

/** Builds a xar archive in memory. */
export function buildXar(files: XarFile[], opts: XarOptions = {}): Buffer {
  const root: Node = { name: '', children: new Map() };
  for (const f of files) {
    const parts = f.path.split('/');
    let node = root;
    for (const part of parts) {
      let next = node.children.get(part);
      if (!next) {
        next = { name: part, children: new Map() };
        node.children.set(part, next);
      }
      node = next;
    }
    const data = Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data, 'utf8');
    const zlib = (f.encoding ?? 'zlib') === 'zlib';
    node.file = {
      data,
      archived: zlib ? deflateSync(data) : data,
      encoding: zlib ? 'application/x-gzip' : 'application/octet-stream',
      ...(f.offsetOverride !== undefined ? { offsetOverride: f.offsetOverride } : {}),
      ...(f.sizeOverride !== undefined ? { sizeOverride: f.sizeOverride } : {}),
    };
  }
  const heap: Buffer[] = [Buffer.alloc(20)]; // sha1 TOC checksum slot, as real archives have
  let heapLength = 20;
  let id = 0;
  const render = (node: Node): string => {
    id++;
    let xml = `<file id="${id}"><name>${node.name}</name>`;
    if (node.file) {
      const f = node.file;
      const offset = f.offsetOverride ?? heapLength;
      heap.push(f.archived);
      heapLength += f.archived.length;
      xml +=
        `<type>file</type><data><length>${f.archived.length}</length><offset>${offset}</offset>` +
        `<size>${f.sizeOverride ?? f.data.length}</size><encoding style="${f.encoding}"/></data>`;
    } else xml += '<type>directory</type>';
    for (const child of node.children.values()) xml += render(child);
    return `${xml}</file>`;
  };
  const body = [...root.children.values()].map(render).join('');
  const tocXml =
    opts.tocXml ??
    `<?xml version="1.0" encoding="UTF-8"?><xar><toc><creation-time>2026-01-01T00:00:00</creation-time>` +
      `<checksum style="sha1"><offset>0</offset><size>20</size></checksum>${body}</toc></xar>`;
  const tocRaw = Buffer.from(tocXml, 'utf8');
  const toc = deflateSync(tocRaw);
  const header = Buffer.alloc(28);
  header.write('xar!', 0, 'latin1');
  header.writeUInt16BE(28, 4);
  header.writeUInt16BE(1, 6);
  header.writeBigUInt64BE(BigInt(opts.tocCompressedOverride ?? toc.length), 8);
  header.writeBigUInt64BE(BigInt(opts.tocUncompressedOverride ?? tocRaw.length), 16);
  header.writeUInt32BE(1, 24); // sha1
  return Buffer.concat([header, toc, ...heap]);
}

/** PackageInfo of a component package. */
export function packageInfoXml(identifier: string, version: string, installLocation = '/'): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<pkg-info format-version="2" identifier="${identifier}" version="${version}" install-location="${installLocation}" auth="root"><payload numberOfFiles="3" installKBytes="12"/></pkg-info>`;
}

/** Distribution of a product package with the given component refs. */
export function distributionXml(
  title: string,
  product: { id: string; version: string } | null,
  refs: Array<{ id: string; version: string }>,
): string {
  const lines = refs.map(
    (r) => `<pkg-ref id="${r.id}" version="${r.version}" installKBytes="10">#${r.id}.pkg</pkg-ref>`,
  );
  const choices = refs.map((r) => `<pkg-ref id="${r.id}"/>`);
  return `<?xml version="1.0" encoding="utf-8"?>
<installer-gui-script minSpecVersion="2">
  <title>${title}</title>
  ${product ? `<product id="${product.id}" version="${product.version}"/>` : ''}
  <options customize="never"/>
  <choices-outline><line choice="default"/></choices-outline>
  <choice id="default">${choices.join('')}</choice>
  ${lines.join('\n  ')}
</installer-gui-script>`;
}
