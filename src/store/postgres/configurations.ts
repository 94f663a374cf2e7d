/** PostgreSQL repository for JWT configurations; every write bumps the 'configurations' counter. */
import { buildSet, type ColumnMap } from '../sql-util.js';
import type { ConfigurationRepo, JwtConfigurationRecord } from '../types.js';
import type { PgConn } from './conn.js';
import { CHANGES_CHANNEL } from './notify.js';

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
  enabled: boolean;
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
  enabled: ['enabled'],
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
    enabled: r.enabled,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    rotatedAt: r.rotated_at,
    createdBy: r.created_by,
  };
}

/** Bumps the generation and tells the other nodes, both delivered at commit. */
const BUMP = `WITH bumped AS (INSERT INTO counters (name, value) VALUES ('configurations', 1)
  ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value)
  SELECT pg_notify('${CHANGES_CHANNEL}', 'configurations') FROM bumped`;

/** Builds the configurations repository over a shared pool. */
export function pgConfigurations(conn: PgConn): ConfigurationRepo {
  const byId = async (id: string): Promise<JwtConfigurationRecord | undefined> => {
    const row = await conn.one<Row>('SELECT * FROM configurations WHERE id = ?', [id]);
    return row && fromRow(row);
  };
  return {
    list: async () =>
      (await conn.query<Row>('SELECT * FROM configurations ORDER BY created_at, id')).rows.map(
        fromRow,
      ),
    get: byId,
    create: (r) =>
      conn.transaction(async () => {
        const at = conn.iso();
        const { rows } = await conn.query<Row>(
          `INSERT INTO configurations (id, display_name, private_key_ciphertext, public_key_pem,
            kid, fingerprint, key_bits, certificate_pem, token_expiry_seconds, enabled,
            created_at, updated_at, rotated_at, created_by)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?) RETURNING *`,
          [
            r.id,
            r.displayName,
            r.privateKeyCiphertext,
            r.publicKeyPem,
            r.kid,
            r.fingerprint,
            r.keyBits,
            r.certificatePem,
            r.tokenExpirySeconds,
            r.enabled,
            at,
            at,
            r.createdBy,
          ],
        );
        await conn.query(BUMP);
        return fromRow(rows[0]!);
      }),
    update: (id, patch) =>
      conn.transaction(async () => {
        const set = buildSet(COLUMNS, { updatedAt: conn.iso(), ...patch });
        const { rows } = await conn.query<Row>(
          `UPDATE configurations SET ${set.sql} WHERE id = ? RETURNING *`,
          [...set.values, id],
        );
        if (rows.length === 0) return undefined;
        await conn.query(BUMP);
        return fromRow(rows[0]!);
      }),
    delete: (id) =>
      conn.transaction(async () => {
        const { rowCount } = await conn.query('DELETE FROM configurations WHERE id = ?', [id]);
        if (rowCount > 0) await conn.query(BUMP);
        return rowCount > 0;
      }),
    generation: async () =>
      (
        await conn.one<{ value: number }>(
          "SELECT value FROM counters WHERE name = 'configurations'",
        )
      )?.value ?? 0,
  };
}
