/**
 * PostgreSQL repositories for the small tables: the change log, the content catalog, revoked
 * admin session tokens and settings. Each mirrors its SQLite counterpart statement for statement.
 */
import { decodeCursor, pageLimit, toEpochMs, toJson, toPage, Where } from '../sql-util.js';
import type {
  ChangeRecord,
  ChangeRepo,
  ContentRecord,
  ContentRepo,
  RevokedTokenRepo,
  SettingsRepo,
} from '../types.js';
import type { PgConn } from './conn.js';

interface ChangeRow {
  id: number;
  time: string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  details: string;
}

const changeFromRow = (r: ChangeRow): ChangeRecord => ({
  id: r.id,
  time: r.time,
  actor: r.actor,
  action: r.action,
  targetType: r.target_type,
  targetId: r.target_id,
  details: JSON.parse(r.details) as Record<string, unknown>,
});

/** The administrative change log (newest first, keyset paging on id). */
export function pgChanges(conn: PgConn): ChangeRepo {
  return {
    record: async (c) => {
      await conn.query(
        `INSERT INTO changes (time, actor, action, target_type, target_id, details)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [conn.iso(), c.actor, c.action, c.targetType, c.targetId, toJson(c.details)],
      );
    },
    query: async (q) => {
      const limit = pageLimit(q.limit);
      const where = new Where();
      const before = decodeCursor(q.cursor);
      if (before !== undefined) where.add('id < ?', before);
      if (q.since !== undefined) {
        where.add('time >= ?', new Date(toEpochMs(q.since, 'since')).toISOString());
      }
      if (q.actor !== undefined) where.add('actor = ?', q.actor);
      if (q.action !== undefined) where.add('action = ?', q.action);
      const { rows } = await conn.query<ChangeRow>(
        `SELECT * FROM changes ${where} ORDER BY id DESC LIMIT ?`,
        [...where.values, limit + 1],
      );
      return toPage(rows.map(changeFromRow), limit, (c) => c.id);
    },
  };
}

interface ContentRow {
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

const contentFromRow = (r: ContentRow): ContentRecord => ({
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
});

/** The content catalog; `version` counts sha256 changes, decided in the one upsert. */
export function pgContent(conn: PgConn): ContentRepo {
  return {
    list: async () =>
      (await conn.query<ContentRow>('SELECT * FROM content ORDER BY path')).rows.map(
        contentFromRow,
      ),
    get: async (path) => {
      const row = await conn.one<ContentRow>('SELECT * FROM content WHERE path = ?', [path]);
      return row && contentFromRow(row);
    },
    upsert: async (r) => {
      const at = conn.iso();
      // One statement, so two nodes cataloguing the same file cannot both read version n and
      // write n + 1 for two different hashes.
      const { rows } = await conn.query<ContentRow>(
        `INSERT INTO content (path, size, sha256, kind, metadata, mtime_ms, version,
          created_at, updated_at, uploaded_by) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
         ON CONFLICT (path) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256,
          kind = excluded.kind, metadata = excluded.metadata, mtime_ms = excluded.mtime_ms,
          version = content.version + CASE WHEN content.sha256 = excluded.sha256 THEN 0 ELSE 1 END,
          updated_at = excluded.updated_at, uploaded_by = excluded.uploaded_by
         RETURNING *`,
        [r.path, r.size, r.sha256, r.kind, toJson(r.metadata), r.mtimeMs, at, at, r.uploadedBy],
      );
      return contentFromRow(rows[0]!);
    },
    delete: async (path) =>
      (await conn.query('DELETE FROM content WHERE path = ?', [path])).rowCount > 0,
  };
}

/** Revoked admin session tokens, kept until they would expire anyway. */
export function pgRevokedTokens(conn: PgConn): RevokedTokenRepo {
  return {
    revoke: async (jti, expiresAt) => {
      await conn.query(
        `INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?)
         ON CONFLICT (jti) DO UPDATE
         SET expires_at = GREATEST(revoked_tokens.expires_at, excluded.expires_at)`,
        [jti, Math.ceil(expiresAt)],
      );
    },
    isRevoked: async (jti) =>
      (await conn.one('SELECT 1 FROM revoked_tokens WHERE jti = ?', [jti])) !== undefined,
    purgeExpired: async (nowSec) =>
      (await conn.query('DELETE FROM revoked_tokens WHERE expires_at <= ?', [nowSec])).rowCount,
  };
}

/** Free-form key/value settings. */
export function pgSettings(conn: PgConn): SettingsRepo {
  return {
    get: async (key) =>
      (await conn.one<{ value: string }>('SELECT value FROM settings WHERE key = ?', [key]))?.value,
    set: async (key, value) => {
      await conn.query(
        `INSERT INTO settings (key, value) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [key, value],
      );
    },
  };
}
