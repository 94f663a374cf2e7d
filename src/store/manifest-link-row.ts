/** The manifest_links row both dialects store, and its record (src/store/types.ts). */
import type { ManifestLinkRecord } from './types.js';

/** A manifest_links row, as both dialects return it. */
export interface ManifestLinkRow {
  id: string;
  content_path: string;
  configuration_id: string;
  label: string;
  fingerprint: string;
  created_at: string;
  created_by: string | null;
  expires_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
  last_used_at: string | null;
}

/** The record of a row (shared with the PostgreSQL repository). */
export function manifestLinkFromRow(r: ManifestLinkRow): ManifestLinkRecord {
  return {
    id: r.id,
    contentPath: r.content_path,
    configurationId: r.configuration_id,
    label: r.label,
    fingerprint: r.fingerprint,
    createdAt: r.created_at,
    createdBy: r.created_by,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
    lastUsedAt: r.last_used_at,
  };
}

/** The instant `ms` before the connection's clock, as the ISO string the rows compare with. */
export function isoBefore(nowIso: string, ms: number): string {
  return new Date(Date.parse(nowIso) - ms).toISOString();
}
