/**
 * The JSON shape of a catalog record on the admin API: the record with its metadata fields
 * flattened for lists and tables. `revision` is the store's change counter (bumped when the
 * bytes change); `version` is the app/package version from the file's own metadata.
 */

import type { FastifyRequest } from 'fastify';
import { contentEtag } from '../../catalog/library.js';
import { sanitizeMetadata } from '../../catalog/sanitize-metadata.js';
import type { ContentRecord } from '../../store/types.js';

const FLATTENED = [
  'bundleId',
  'version',
  'buildVersion',
  'title',
  'author',
  'identifier',
  'language',
  'minimumOsVersion',
  'platforms',
  'profileName',
  'teamName',
  'profileExpiresAt',
  'pageCount',
  'packageType',
  'packages',
  'bookFormat',
] as const;

/** A record as listed by GET /api/v1/content. */
export function contentSummary(record: ContentRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    path: record.path,
    size: record.size,
    sha256: record.sha256,
    etag: contentEtag(record),
    kind: record.kind,
  };
  for (const key of FLATTENED) {
    const v = record.metadata[key];
    // Capped again on the way out: a record stored before the caps existed stays small too.
    if (v !== undefined && v !== null && v !== '') out[key] = sanitizeMetadata(v, 1, key);
  }
  // A file whose metadata could not be read (hostile, corrupt, over budget) says so and why.
  const unreadable = record.metadata.unreadableCode;
  out.readable = typeof unreadable !== 'string';
  if (typeof unreadable === 'string') out.unreadableCode = unreadable;
  out.warnings = Array.isArray(record.metadata.warnings) ? record.metadata.warnings : [];
  out.revision = record.version;
  out.createdAt = record.createdAt;
  out.updatedAt = record.updatedAt;
  out.uploadedBy = record.uploadedBy;
  return out;
}

/** A record as returned by GET /api/v1/content/{path}: the summary plus raw metadata (chunk lists summarised). */
export function contentDetail(record: ContentRecord): Record<string, unknown> {
  const { chunkHashes, ...metadata } = record.metadata as {
    chunkHashes?: { sha256s?: unknown[] };
  } & Record<string, unknown>;
  return {
    ...contentSummary(record),
    metadata: chunkHashes
      ? { ...metadata, chunkCount: chunkHashes.sha256s?.length ?? 0 }
      : metadata,
  };
}

/** Prefix of the catalog API. */
export const CONTENT_API_PREFIX = '/api/v1/content';

/** The encoded path tail after `/api/v1/content/` (from the raw URL, so it is decoded exactly once). */
export function rawTail(request: FastifyRequest): string {
  const path = request.url.split('?')[0] ?? '';
  return path.startsWith(`${CONTENT_API_PREFIX}/`) ? path.slice(CONTENT_API_PREFIX.length + 1) : '';
}
