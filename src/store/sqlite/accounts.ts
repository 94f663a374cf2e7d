/** SQLite repository for console/admin-API accounts. Usernames compare case-insensitively. */
import { randomUUID } from 'node:crypto';
import { buildSet, type ColumnMap, toBit } from '../sql-util.js';
import type { AccountRecord, AccountRepo } from '../types.js';
import type { Conn } from './conn.js';

interface Row {
  id: string;
  username: string;
  password_hash: string;
  role: AccountRecord['role'];
  disabled: number;
  must_change_password: number;
  created_at: string;
  last_login_at: string | null;
  session_epoch: number;
}

const COLUMNS: ColumnMap<AccountRecord> = {
  username: ['username'],
  passwordHash: ['password_hash'],
  role: ['role'],
  disabled: ['disabled', toBit],
  mustChangePassword: ['must_change_password', toBit],
  lastLoginAt: ['last_login_at'],
};

function fromRow(r: Row): AccountRecord {
  return {
    id: r.id,
    username: r.username,
    passwordHash: r.password_hash,
    role: r.role,
    disabled: r.disabled === 1,
    mustChangePassword: r.must_change_password === 1,
    createdAt: r.created_at,
    lastLoginAt: r.last_login_at,
    sessionEpoch: r.session_epoch,
  };
}

/**
 * True when `patch` changes what a session was granted on: a new password (always a new hash),
 * another role, or the disabled flag. Such a change ends every earlier session of the account.
 */
function endsSessions(current: Row, patch: Partial<AccountRecord>): boolean {
  return (
    patch.passwordHash !== undefined ||
    (patch.role !== undefined && patch.role !== current.role) ||
    (patch.disabled !== undefined && toBit(patch.disabled) !== current.disabled)
  );
}

/** Builds the accounts repository over a shared connection. */
export function sqliteAccounts(conn: Conn): AccountRepo {
  const byId = (id: string): Row | undefined =>
    conn.stmt('SELECT * FROM accounts WHERE id = ?').get(id) as Row | undefined;
  return {
    list: () =>
      conn.run(() =>
        (conn.stmt('SELECT * FROM accounts ORDER BY username').all() as Row[]).map(fromRow),
      ),
    get: (id) =>
      conn.run(() => {
        const row = byId(id);
        return row && fromRow(row);
      }),
    getByUsername: (username) =>
      conn.run(() => {
        const row = conn.stmt('SELECT * FROM accounts WHERE username = ?').get(username) as
          | Row
          | undefined;
        return row && fromRow(row);
      }),
    create: (r) =>
      conn.write(() => {
        const id = r.id ?? randomUUID();
        conn
          .stmt(
            `INSERT INTO accounts (id, username, password_hash, role, disabled,
              must_change_password, created_at, last_login_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            id,
            r.username,
            r.passwordHash,
            r.role,
            toBit(r.disabled),
            toBit(r.mustChangePassword),
            conn.iso(),
            r.lastLoginAt ?? null,
          );
        return fromRow(byId(id)!);
      }),
    update: (id, patch) =>
      conn.write((db) => {
        const current = byId(id);
        if (!current) return undefined;
        const set = buildSet(COLUMNS, patch);
        // Bumped in the same statement, so no caller can change a password and forget the sessions.
        const parts = [
          set.sql,
          endsSessions(current, patch) ? 'session_epoch = session_epoch + 1' : '',
        ]
          .filter(Boolean)
          .join(', ');
        if (parts) db.prepare(`UPDATE accounts SET ${parts} WHERE id = ?`).run(...set.values, id);
        return fromRow(byId(id)!);
      }),
    delete: (id) =>
      conn.run(() => conn.stmt('DELETE FROM accounts WHERE id = ?').run(id).changes > 0),
    count: () =>
      conn.run(() => (conn.stmt('SELECT COUNT(*) AS n FROM accounts').get() as { n: number }).n),
  };
}
