/** PostgreSQL repository for console/admin-API accounts. Usernames compare case-insensitively. */
import { randomUUID } from 'node:crypto';
import { buildSet, type ColumnMap } from '../sql-util.js';
import type { AccountRecord, AccountRepo } from '../types.js';
import type { PgConn } from './conn.js';

interface Row {
  id: string;
  username: string;
  password_hash: string;
  role: AccountRecord['role'];
  disabled: boolean;
  must_change_password: boolean;
  created_at: string;
  last_login_at: string | null;
  session_epoch: number;
}

const COLUMNS: ColumnMap<AccountRecord> = {
  username: ['username'],
  passwordHash: ['password_hash'],
  role: ['role'],
  disabled: ['disabled'],
  mustChangePassword: ['must_change_password'],
  lastLoginAt: ['last_login_at'],
};

function fromRow(r: Row): AccountRecord {
  return {
    id: r.id,
    username: r.username,
    passwordHash: r.password_hash,
    role: r.role,
    disabled: r.disabled,
    mustChangePassword: r.must_change_password,
    createdAt: r.created_at,
    lastLoginAt: r.last_login_at,
    sessionEpoch: r.session_epoch,
  };
}

/** True when `patch` changes what a session was granted on (see the SQLite repository). */
function endsSessions(current: Row, patch: Partial<AccountRecord>): boolean {
  return (
    patch.passwordHash !== undefined ||
    (patch.role !== undefined && patch.role !== current.role) ||
    (patch.disabled !== undefined && patch.disabled !== current.disabled)
  );
}

/** Builds the accounts repository over a shared pool. */
export function pgAccounts(conn: PgConn): AccountRepo {
  const one = async (sql: string, value: string): Promise<AccountRecord | undefined> => {
    const row = await conn.one<Row>(sql, [value]);
    return row && fromRow(row);
  };
  return {
    list: async () =>
      (await conn.query<Row>('SELECT * FROM accounts ORDER BY lower(username), username')).rows.map(
        fromRow,
      ),
    get: (id) => one('SELECT * FROM accounts WHERE id = ?', id),
    getByUsername: (username) =>
      one('SELECT * FROM accounts WHERE lower(username) = lower(?)', username),
    create: async (r) => {
      const { rows } = await conn.query<Row>(
        `INSERT INTO accounts (id, username, password_hash, role, disabled,
          must_change_password, created_at, last_login_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         RETURNING *`,
        [
          r.id ?? randomUUID(),
          r.username,
          r.passwordHash,
          r.role,
          r.disabled,
          r.mustChangePassword,
          conn.iso(),
          r.lastLoginAt ?? null,
        ],
      );
      return fromRow(rows[0]!);
    },
    update: (id, patch) =>
      conn.transaction(async () => {
        // FOR UPDATE: two nodes changing one account serialize, so the epoch bump is decided
        // on the row as it is, not as another node last saw it.
        const current = await conn.one<Row>('SELECT * FROM accounts WHERE id = ? FOR UPDATE', [id]);
        if (!current) return undefined;
        const set = buildSet(COLUMNS, patch);
        const parts = [
          set.sql,
          endsSessions(current, patch) ? 'session_epoch = session_epoch + 1' : '',
        ]
          .filter(Boolean)
          .join(', ');
        if (!parts) return fromRow(current);
        const { rows } = await conn.query<Row>(
          `UPDATE accounts SET ${parts} WHERE id = ? RETURNING *`,
          [...set.values, id],
        );
        return fromRow(rows[0]!);
      }),
    delete: async (id) =>
      (await conn.query('DELETE FROM accounts WHERE id = ?', [id])).rowCount > 0,
    count: async () => (await conn.one<{ n: number }>('SELECT COUNT(*) AS n FROM accounts'))!.n,
  };
}
