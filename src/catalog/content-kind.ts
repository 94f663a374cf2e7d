/** The catalog kind of a content file, decided by its extension alone. */

/** Catalog kind of a content file. */
export type ContentKind = 'app' | 'package' | 'book' | 'other';

const KIND_BY_EXTENSION: Record<string, ContentKind> = {
  ipa: 'app',
  pkg: 'package',
  mpkg: 'package',
  epub: 'book',
  ibooks: 'book',
  pdf: 'book',
};

/** The kind implied by a path's extension (case-insensitive). */
export function kindOfPath(path: string): ContentKind {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
  return KIND_BY_EXTENSION[ext] ?? 'other';
}

/** The book format (`Kind` of InstallMedia) implied by the extension, if a book. */
export function bookFormatOfPath(path: string): 'epub' | 'pdf' | 'ibooks' | undefined {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  return ext === 'epub' || ext === 'pdf' || ext === 'ibooks' ? ext : undefined;
}
