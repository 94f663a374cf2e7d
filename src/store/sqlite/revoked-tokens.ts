/** SQLite repository for revoked admin session tokens, kept until they would expire anyway. */
import type { RevokedTokenRepo } from '../types.js';
import type { Conn } from './conn.js';

/** Builds the revoked-tokens repository over a shared connection. */
export function sqliteRevokedTokens(conn: Conn): RevokedTokenRepo {
  return {
    revoke: (jti, expiresAt) =>
      conn.run(() => {
        conn
          .stmt(
            `INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?)
             ON CONFLICT (jti) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)`,
          )
          .run(jti, Math.ceil(expiresAt));
      }),
    isRevoked: (jti) =>
      conn.run(
        () => conn.stmt('SELECT 1 FROM revoked_tokens WHERE jti = ?').get(jti) !== undefined,
      ),
    purgeExpired: (nowSec) =>
      conn.run(
        () => conn.stmt('DELETE FROM revoked_tokens WHERE expires_at <= ?').run(nowSec).changes,
      ),
  };
}
