/** PostgreSQL repository for trusted external JWT issuers (admin-API logins). */
import { randomUUID } from 'node:crypto';
import { buildSet, type ColumnMap, toJson } from '../sql-util.js';
import type { JwtServerRecord, JwtServerRepo, RequiredClaims } from '../types.js';
import type { PgConn } from './conn.js';

interface Row {
  id: string;
  name: string;
  issuer: string;
  jwks_url: string | null;
  shared_secret_ciphertext: string | null;
  audience: string;
  role: JwtServerRecord['role'];
  username_claim: string;
  required_claims: string;
  max_token_lifetime_seconds: number;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

/** The schema's default (migration 006); the admin API enforces the bounds. */
const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 3600;

const COLUMNS: ColumnMap<JwtServerRecord> = {
  name: ['name'],
  issuer: ['issuer'],
  jwksUrl: ['jwks_url'],
  sharedSecretCiphertext: ['shared_secret_ciphertext'],
  audience: ['audience'],
  role: ['role'],
  usernameClaim: ['username_claim'],
  requiredClaims: ['required_claims', toJson],
  maxTokenLifetimeSeconds: ['max_token_lifetime_seconds'],
  enabled: ['enabled'],
  updatedAt: ['updated_at'],
};

function fromRow(r: Row): JwtServerRecord {
  return {
    id: r.id,
    name: r.name,
    issuer: r.issuer,
    jwksUrl: r.jwks_url,
    sharedSecretCiphertext: r.shared_secret_ciphertext,
    audience: r.audience,
    role: r.role,
    usernameClaim: r.username_claim,
    requiredClaims: JSON.parse(r.required_claims) as RequiredClaims,
    maxTokenLifetimeSeconds: r.max_token_lifetime_seconds,
    enabled: r.enabled,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Builds the JWT servers repository over a shared pool. */
export function pgJwtServers(conn: PgConn): JwtServerRepo {
  const one = async (sql: string, value: string): Promise<JwtServerRecord | undefined> => {
    const row = await conn.one<Row>(sql, [value]);
    return row && fromRow(row);
  };
  return {
    list: async () =>
      (await conn.query<Row>('SELECT * FROM jwt_servers ORDER BY lower(name), name')).rows.map(
        fromRow,
      ),
    get: (id) => one('SELECT * FROM jwt_servers WHERE id = ?', id),
    getByIssuer: (issuer) => one('SELECT * FROM jwt_servers WHERE issuer = ?', issuer),
    create: async (r) => {
      const at = conn.iso();
      const { rows } = await conn.query<Row>(
        `INSERT INTO jwt_servers (id, name, issuer, jwks_url, shared_secret_ciphertext,
          audience, role, username_claim, required_claims, max_token_lifetime_seconds,
          enabled, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [
          r.id ?? randomUUID(),
          r.name,
          r.issuer,
          r.jwksUrl,
          r.sharedSecretCiphertext,
          r.audience,
          r.role,
          r.usernameClaim || 'sub',
          toJson(r.requiredClaims),
          r.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
          r.enabled,
          at,
          at,
        ],
      );
      return fromRow(rows[0]!);
    },
    update: async (id, patch) => {
      const set = buildSet(COLUMNS, { updatedAt: conn.iso(), ...patch });
      const { rows } = await conn.query<Row>(
        `UPDATE jwt_servers SET ${set.sql} WHERE id = ? RETURNING *`,
        [...set.values, id],
      );
      return rows[0] && fromRow(rows[0]);
    },
    delete: async (id) =>
      (await conn.query('DELETE FROM jwt_servers WHERE id = ?', [id])).rowCount > 0,
  };
}
