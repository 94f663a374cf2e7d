/** SQLite repository for the content catalog; `version` counts sha256 changes. */

import { toJson } from '../sql-util.js';
import type { ContentRecord, ContentRepo } from '../types.js';
import type { Conn } from './conn.js';

interface Row {
  path: string;
  size: number;
  sha256: string;
  kind: ContentRecord['kind'];
  metadata: string;
  mtime_ms: number;
  version: number;
  created_at: string;
  updated_at: string;
  uploaded_by: string | null;
}

function fromRow(r: Row): ContentRecord {
  return {
    path: r.path,
    size: r.size,
    sha256: r.sha256,
    kind: r.kind,
    metadata: JSON.parse(r.metadata) as Record<string, unknown>,
    mtimeMs: r.mtime_ms,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    uploadedBy: r.uploaded_by,
  };
}

/** Builds the content repository over a shared connection. */
export function sqliteContent(conn: Conn): ContentRepo {
  const byPath = (path: string): Row | undefined =>
    conn.stmt('SELECT * FROM content WHERE path = ?').get(path) as Row | undefined;
  return {
    list: () =>
      conn.run(() =>
        (conn.stmt('SELECT * FROM content ORDER BY path').all() as Row[]).map(fromRow),
      ),
    get: (path) =>
      conn.run(() => {
        const row = byPath(path);
        return row && fromRow(row);
      }),
    upsert: (r) =>
      conn.write(() => {
        const at = conn.iso();
        const old = byPath(r.path);
        const version = old ? old.version + (old.sha256 === r.sha256 ? 0 : 1) : 1;
        conn
          .stmt(
            `INSERT INTO content (path, size, sha256, kind, metadata, mtime_ms, version,
              created_at, updated_at, uploaded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (path) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256,
              kind = excluded.kind, metadata = excluded.metadata, mtime_ms = excluded.mtime_ms,
              version = excluded.version, updated_at = excluded.updated_at,
              uploaded_by = excluded.uploaded_by`,
          )
          .run(
            r.path,
            r.size,
            r.sha256,
            r.kind,
            toJson(r.metadata),
            r.mtimeMs,
            version,
            at,
            at,
            r.uploadedBy,
          );
        return fromRow(byPath(r.path)!);
      }),
    delete: (path) =>
      conn.run(() => conn.stmt('DELETE FROM content WHERE path = ?').run(path).changes > 0),
  };
}
