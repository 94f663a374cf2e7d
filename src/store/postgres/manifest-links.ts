/** PostgreSQL repository for manifest links; mirrors src/store/sqlite/manifest-links.ts. */
import { isoBefore, type ManifestLinkRow, manifestLinkFromRow } from '../manifest-link-row.js';
import type { ManifestLinkRepo } from '../types.js';
import type { PgConn } from './conn.js';

/** Builds the manifest-link repository over the pool. */
export function pgManifestLinks(conn: PgConn): ManifestLinkRepo {
  return {
    list: async (q = {}) => {
      const { rows } =
        q.contentPath === undefined
          ? await conn.query<ManifestLinkRow>(
              'SELECT * FROM manifest_links ORDER BY created_at, id',
            )
          : await conn.query<ManifestLinkRow>(
              'SELECT * FROM manifest_links WHERE content_path = ? ORDER BY created_at, id',
              [q.contentPath],
            );
      return rows.map(manifestLinkFromRow);
    },
    get: async (id) => {
      const row = await conn.one<ManifestLinkRow>('SELECT * FROM manifest_links WHERE id = ?', [
        id,
      ]);
      return row && manifestLinkFromRow(row);
    },
    create: async (r) => {
      const { rows } = await conn.query<ManifestLinkRow>(
        `INSERT INTO manifest_links (id, content_path, configuration_id, label, fingerprint,
          created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [
          r.id,
          r.contentPath,
          r.configurationId,
          r.label,
          r.fingerprint,
          conn.iso(),
          r.createdBy,
          r.expiresAt,
        ],
      );
      return manifestLinkFromRow(rows[0]!);
    },
    revoke: async (id, by) => {
      // One statement: the first revoke's time and actor stay, and the row comes back either way.
      const row = await conn.one<ManifestLinkRow>(
        `UPDATE manifest_links SET revoked_at = COALESCE(revoked_at, ?),
           revoked_by = CASE WHEN revoked_at IS NULL THEN ? ELSE revoked_by END
         WHERE id = ? RETURNING *`,
        [conn.iso(), by, id],
      );
      return row && manifestLinkFromRow(row);
    },
    revokeForContent: async (contentPath, by) =>
      (
        await conn.query(
          `UPDATE manifest_links SET revoked_at = ?, revoked_by = ?
           WHERE content_path = ? AND revoked_at IS NULL`,
          [conn.iso(), by, contentPath],
        )
      ).rowCount,
    countActive: async (contentPath) =>
      Number(
        (
          await conn.one<{ n: number | string }>(
            `SELECT COUNT(*) AS n FROM manifest_links
             WHERE content_path = ? AND revoked_at IS NULL AND expires_at > ?`,
            [contentPath, conn.iso()],
          )
        )?.n ?? 0,
      ),
    markUsed: async (id, minIntervalMs) => {
      const now = conn.iso();
      await conn.query(
        `UPDATE manifest_links SET last_used_at = ?
         WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`,
        [now, id, isoBefore(now, minIntervalMs)],
      );
    },
  };
}
