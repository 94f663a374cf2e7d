/**
 * The content catalog as the readers and routes see it: one record per file under the content
 * root and the repository that keeps them. The store implements the repository (SQLite today);
 * the catalog and the admin API use it without importing the store.
 */

/** Kind of catalogued content. */
export type ContentKind = 'app' | 'package' | 'book' | 'other';

/** Catalog entry for one file under the content root. */
export interface ContentRecord {
  /** Relative to the content root, '/'-separated. */
  path: string;
  size: number;
  sha256: string;
  kind: ContentKind;
  metadata: Record<string, unknown>;
  mtimeMs: number;
  /** Starts at 1; bumped when sha256 changes. */
  version: number;
  createdAt: string;
  updatedAt: string;
  uploadedBy: string | null;
}

/** The content catalog. */
export interface ContentRepo {
  list(): Promise<ContentRecord[]>;
  get(path: string): Promise<ContentRecord | undefined>;
  /** Version starts at 1 and is bumped when sha256 changes. */
  upsert(r: Omit<ContentRecord, 'createdAt' | 'updatedAt' | 'version'>): Promise<ContentRecord>;
  delete(path: string): Promise<boolean>;
}
