/**
 * Schemas of manifest links (/api/v1/manifest-links): long-lived, revocable links that open one
 * catalog item's device manifest. A view never carries the link token; only the answer to a
 * create (and to the admin-only `…/url`) does, as `token` and `manifestUrl`.
 */
import { z } from 'zod';

/** Longest a link may live, in days (two years; docs/catalog.md "Manifest links"). */
export const MANIFEST_LINK_MAX_DAYS = 730;
/** A link's lifetime when none is given: one year. */
export const MANIFEST_LINK_DEFAULT_DAYS = 365;

/** Printable text without control characters (labels end up in the console and the CLI). */
const Label = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u, 'must not contain control characters');

/** POST /api/v1/manifest-links */
export const CreateManifestLinkBody = z.strictObject({
  path: z.string().min(1).max(1024).meta({
    description: 'The catalog item (its path, as in /api/v1/content)',
    example: 'apps/App.ipa',
  }),
  configurationId: z.string().min(1).max(100).meta({
    description: 'The JWT configuration that signs the download tokens inside the manifest',
  }),
  label: Label.meta({ description: 'What the link is for', example: 'DDM: Sales iPads' }),
  expiresInDays: z
    .number()
    .int()
    .min(1)
    .max(MANIFEST_LINK_MAX_DAYS)
    .default(MANIFEST_LINK_DEFAULT_DAYS)
    .meta({ description: `Lifetime in days (1–${MANIFEST_LINK_MAX_DAYS}, default 365)` }),
});

/** GET /api/v1/manifest-links */
export const ManifestLinkListQuery = z.strictObject({
  path: z.string().min(1).max(1024).optional(),
});

/** A manifest link as the API shows it (never its token). */
export const ManifestLinkView = z.object({
  id: z.string(),
  path: z.string(),
  configurationId: z.string(),
  label: z.string(),
  fingerprint: z.string(),
  status: z.enum(['active', 'expired', 'revoked']),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  revokedBy: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});

/** The answer to a create: the view, the token and the manifest URL to put in a declaration. */
export const CreatedManifestLink = ManifestLinkView.extend({
  token: z.string(),
  manifestUrl: z.string(),
});

/** POST /api/v1/manifest-links/:id/url */
export const ManifestLinkUrl = z.object({
  id: z.string(),
  token: z.string(),
  manifestUrl: z.string(),
  expiresAt: z.string(),
});
