/** SQLite repository for trusted external JWT issuers (admin-API logins). */
import { randomUUID } from 'node:crypto';
import { buildSet, type ColumnMap, toBit, toJson } from '../sql-util.js';
import type { JwtServerRecord, JwtServerRepo, RequiredClaims } from '../types.js';
import type { Conn } from './conn.js';

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
  enabled: number;
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
  enabled: ['enabled', toBit],
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
    enabled: r.enabled === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Builds the JWT servers repository over a shared connection. */
export function sqliteJwtServers(conn: Conn): JwtServerRepo {
  const one = (sql: string, value: string): JwtServerRecord | undefined => {
    const row = conn.stmt(sql).get(value) as Row | undefined;
    return row && fromRow(row);
  };
  const byId = (id: string) => one('SELECT * FROM jwt_servers WHERE id = ?', id);
  return {
    list: () =>
      conn.run(() =>
        (conn.stmt('SELECT * FROM jwt_servers ORDER BY name').all() as Row[]).map(fromRow),
      ),
    get: (id) => conn.run(() => byId(id)),
    getByIssuer: (issuer) =>
      conn.run(() => one('SELECT * FROM jwt_servers WHERE issuer = ?', issuer)),
    create: (r) =>
      conn.write(() => {
        const id = r.id ?? randomUUID();
        const at = conn.iso();
        conn
          .stmt(
            `INSERT INTO jwt_servers (id, name, issuer, jwks_url, shared_secret_ciphertext,
              audience, role, username_claim, required_claims, max_token_lifetime_seconds,
              enabled, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            id,
            r.name,
            r.issuer,
            r.jwksUrl,
            r.sharedSecretCiphertext,
            r.audience,
            r.role,
            r.usernameClaim || 'sub',
            toJson(r.requiredClaims),
            r.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
            toBit(r.enabled),
            at,
            at,
          );
        return byId(id)!;
      }),
    update: (id, patch) =>
      conn.write((db) => {
        if (!byId(id)) return undefined;
        const set = buildSet(COLUMNS, { updatedAt: conn.iso(), ...patch });
        db.prepare(`UPDATE jwt_servers SET ${set.sql} WHERE id = ?`).run(...set.values, id);
        return byId(id);
      }),
    delete: (id) =>
      conn.run(() => conn.stmt('DELETE FROM jwt_servers WHERE id = ?').run(id).changes > 0),
  };
}
