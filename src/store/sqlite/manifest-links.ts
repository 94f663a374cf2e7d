/** SQLite repository for manifest links (src/store/types.ts `ManifestLinkRepo`). */
import { isoBefore, type ManifestLinkRow, manifestLinkFromRow } from '../manifest-link-row.js';
import type { ManifestLinkRepo } from '../types.js';
import type { Conn } from './conn.js';

/** Builds the manifest-link repository over a shared connection. */
export function sqliteManifestLinks(conn: Conn): ManifestLinkRepo {
  const byId = (id: string) =>
    conn.stmt('SELECT * FROM manifest_links WHERE id = ?').get(id) as ManifestLinkRow | undefined;
  return {
    list: (q = {}) =>
      conn.run(() => {
        const rows = (q.contentPath === undefined
          ? conn.stmt('SELECT * FROM manifest_links ORDER BY created_at, id').all()
          : conn
              .stmt('SELECT * FROM manifest_links WHERE content_path = ? ORDER BY created_at, id')
              .all(q.contentPath)) as unknown as ManifestLinkRow[];
        return rows.map(manifestLinkFromRow);
      }),
    get: (id) =>
      conn.run(() => {
        const row = byId(id);
        return row && manifestLinkFromRow(row);
      }),
    create: (r) =>
      conn.write(() => {
        conn
          .stmt(
            `INSERT INTO manifest_links (id, content_path, configuration_id, label, fingerprint,
              created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            r.id,
            r.contentPath,
            r.configurationId,
            r.label,
            r.fingerprint,
            conn.iso(),
            r.createdBy,
            r.expiresAt,
          );
        return manifestLinkFromRow(byId(r.id)!);
      }),
    revoke: (id, by) =>
      conn.write(() => {
        conn
          .stmt(
            'UPDATE manifest_links SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL',
          )
          .run(conn.iso(), by, id);
        const row = byId(id);
        return row && manifestLinkFromRow(row);
      }),
    revokeForContent: (contentPath, by) =>
      conn.run(
        () =>
          conn
            .stmt(
              `UPDATE manifest_links SET revoked_at = ?, revoked_by = ?
               WHERE content_path = ? AND revoked_at IS NULL`,
            )
            .run(conn.iso(), by, contentPath).changes as number,
      ),
    countActive: (contentPath) =>
      conn.run(
        () =>
          (
            conn
              .stmt(
                `SELECT COUNT(*) AS n FROM manifest_links
                 WHERE content_path = ? AND revoked_at IS NULL AND expires_at > ?`,
              )
              .get(contentPath, conn.iso()) as { n: number }
          ).n,
      ),
    markUsed: (id, minIntervalMs) =>
      conn.run(() => {
        const now = conn.iso();
        conn
          .stmt(
            `UPDATE manifest_links SET last_used_at = ?
             WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`,
          )
          .run(now, id, isoBefore(now, minIntervalMs));
      }),
  };
}
