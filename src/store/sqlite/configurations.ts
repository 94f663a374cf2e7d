/** SQLite repository for JWT configurations; every write bumps the 'configurations' counter. */

import { buildSet, type ColumnMap, toBit } from '../sql-util.js';
import type { ConfigurationRepo, JwtConfigurationRecord } from '../types.js';
import type { Conn } from './conn.js';

interface Row {
  id: string;
  display_name: string;
  private_key_ciphertext: string;
  public_key_pem: string;
  kid: string;
  fingerprint: string;
  key_bits: number;
  certificate_pem: string | null;
  token_expiry_seconds: number;
  enabled: number;
  created_at: string;
  updated_at: string;
  rotated_at: string | null;
  created_by: string | null;
}

const COLUMNS: ColumnMap<JwtConfigurationRecord> = {
  displayName: ['display_name'],
  privateKeyCiphertext: ['private_key_ciphertext'],
  publicKeyPem: ['public_key_pem'],
  kid: ['kid'],
  fingerprint: ['fingerprint'],
  keyBits: ['key_bits'],
  certificatePem: ['certificate_pem'],
  tokenExpirySeconds: ['token_expiry_seconds'],
  enabled: ['enabled', toBit],
  updatedAt: ['updated_at'],
  rotatedAt: ['rotated_at'],
  createdBy: ['created_by'],
};

function fromRow(r: Row): JwtConfigurationRecord {
  return {
    id: r.id,
    displayName: r.display_name,
    privateKeyCiphertext: r.private_key_ciphertext,
    publicKeyPem: r.public_key_pem,
    kid: r.kid,
    fingerprint: r.fingerprint,
    keyBits: r.key_bits,
    certificatePem: r.certificate_pem,
    tokenExpirySeconds: r.token_expiry_seconds,
    enabled: r.enabled === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    rotatedAt: r.rotated_at,
    createdBy: r.created_by,
  };
}

const BUMP = `INSERT INTO counters (name, value) VALUES ('configurations', 1)
  ON CONFLICT (name) DO UPDATE SET value = value + 1`;

/** Builds the configurations repository over a shared connection. */
export function sqliteConfigurations(conn: Conn): ConfigurationRepo {
  const byId = (id: string): Row | undefined =>
    conn.stmt('SELECT * FROM configurations WHERE id = ?').get(id) as Row | undefined;
  return {
    list: () =>
      conn.run(() =>
        (conn.stmt('SELECT * FROM configurations ORDER BY created_at, id').all() as Row[]).map(
          fromRow,
        ),
      ),
    get: (id) =>
      conn.run(() => {
        const row = byId(id);
        return row && fromRow(row);
      }),
    create: (r) =>
      conn.write(() => {
        const at = conn.iso();
        conn
          .stmt(
            `INSERT INTO configurations (id, display_name, private_key_ciphertext, public_key_pem,
              kid, fingerprint, key_bits, certificate_pem, token_expiry_seconds, enabled,
              created_at, updated_at, rotated_at, created_by)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
          )
          .run(
            r.id,
            r.displayName,
            r.privateKeyCiphertext,
            r.publicKeyPem,
            r.kid,
            r.fingerprint,
            r.keyBits,
            r.certificatePem,
            r.tokenExpirySeconds,
            toBit(r.enabled),
            at,
            at,
            r.createdBy,
          );
        conn.stmt(BUMP).run();
        return fromRow(byId(r.id)!);
      }),
    update: (id, patch) =>
      conn.write((db) => {
        if (!byId(id)) return undefined;
        const set = buildSet(COLUMNS, { updatedAt: conn.iso(), ...patch });
        db.prepare(`UPDATE configurations SET ${set.sql} WHERE id = ?`).run(...set.values, id);
        conn.stmt(BUMP).run();
        return fromRow(byId(id)!);
      }),
    delete: (id) =>
      conn.write(() => {
        const changed = conn.stmt('DELETE FROM configurations WHERE id = ?').run(id).changes > 0;
        if (changed) conn.stmt(BUMP).run();
        return changed;
      }),
    generation: () =>
      conn.run(() => {
        const row = conn.stmt("SELECT value FROM counters WHERE name = 'configurations'").get() as
          | { value: number }
          | undefined;
        return row?.value ?? 0;
      }),
  };
}
