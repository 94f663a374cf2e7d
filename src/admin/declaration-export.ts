/**
 * Declaration export, shared by the admin API (POST /api/v1/declarations) and the CLI
 * (`portcullis content declaration`): one item's declaration with its manifest link, the link
 * either named (`linkId`, its URL derived again) or created for this export (`newLink`, and then
 * reported as created). The caller has already decided the caller may mint; this records the
 * export (and a created link) in the change log through `record`.
 */
import {
  assetDataDeclaration,
  DECLARATIONS_BY_KIND,
  type Declaration,
  manifestDeclaration,
} from '../catalog/declarations.js';
import { CATALOG_WARNINGS, CatalogError, type ContentWarning } from '../catalog/errors.js';
import type { LinkTokenKey } from '../store/link-token.js';
import type { ManifestLinkRecord, Store } from '../store/types.js';
import { AdminError } from './errors.js';
import { createManifestLink, manifestLinkUrl, revealManifestLink } from './manifest-links.js';
import type { ExportDeclarationBody } from './schemas/declarations.js';

/** A validated export request (the API's body; the CLI builds the same from its flags). */
export type DeclarationRequest = typeof ExportDeclarationBody._zod.output;

/** What an export answers: the declaration, its link (if any) and what to look at. */
export interface ExportedDeclaration {
  declaration: Declaration;
  link: { id: string; label: string; expiresAt: string; created: boolean } | null;
  warnings: ContentWarning[];
}

/** Writes one change-log row for the exporting actor. */
export type RecordExport = (
  action: 'manifest-link.create' | 'manifest-link.reveal' | 'declaration.export',
  targetType: 'manifest-link' | 'content',
  targetId: string,
  details: Record<string, unknown>,
) => Promise<void>;

/** revealManifestLink's refusal, word for word: another item's link must look the same. */
const NO_LINK = 'No active manifest link with this id.';

/** What an export needs. */
export interface DeclarationExportDeps {
  store: Store;
  linkKey: LinkTokenKey;
  publicUrl: string;
  now: () => number;
}

/** Warnings of an export: links devices refuse, and what an asset declaration needs. */
function exportWarnings(req: DeclarationRequest, publicUrl: string): ContentWarning[] {
  const out: ContentWarning[] = [];
  if (/^http:/i.test(publicUrl))
    out.push({ code: 'INSECURE_DEVICE_LINKS', message: CATALOG_WARNINGS.INSECURE_DEVICE_LINKS });
  if (req.type === 'asset.data')
    out.push({
      code: 'ASSET_DATA_DEVICE_IDENTITY',
      message: CATALOG_WARNINGS.ASSET_DATA_DEVICE_IDENTITY,
    });
  return out;
}

/**
 * Exports one declaration.
 * @throws CatalogError CONTENT_NOT_FOUND, DECLARATION_NOT_APPLICABLE (before any link is made),
 *   BUNDLE_VALUES_REQUIRED; AdminError NOT_FOUND for a `linkId` that is unknown, revoked,
 *   expired or another item's (one answer for all four); the manifest-link create refusals
 * @example await exportDeclaration(deps, 'alice', { path: 'mac/A.pkg', type: 'package', linkId }, record)
 */
export async function exportDeclaration(
  deps: DeclarationExportDeps,
  actor: string,
  req: DeclarationRequest,
  record: RecordExport,
): Promise<ExportedDeclaration> {
  const { store, linkKey, publicUrl, now } = deps;
  const item = await store.content.get(req.path);
  if (!item) throw new CatalogError('CONTENT_NOT_FOUND');
  if (!DECLARATIONS_BY_KIND[item.kind].includes(req.type))
    throw new CatalogError('DECLARATION_NOT_APPLICABLE');
  const opts = {
    identifier: req.identifier,
    install: req.install,
    automaticAppUpdates: req.automaticAppUpdates,
    includeInBackup: req.includeInBackup,
  };
  let declaration: Declaration;
  let link: { record: ManifestLinkRecord; created: boolean } | null = null;
  if (req.type === 'asset.data') {
    declaration = assetDataDeclaration(item, publicUrl, opts);
  } else {
    let token: string;
    if (req.newLink) {
      // createManifestLink refuses unreadable bundle values before the link exists.
      const made = await createManifestLink(
        { store, key: linkKey, now },
        actor,
        { ...req.newLink, path: item.path },
        (details, id) => record('manifest-link.create', 'manifest-link', id, details),
      );
      link = { record: made.link, created: true };
      token = made.token;
    } else {
      const id = req.linkId ?? '';
      // Another item's link is refused exactly like a missing one, before anything is revealed.
      const found = await store.manifestLinks.get(id);
      if (found && found.contentPath !== item.path) throw new AdminError('NOT_FOUND', NO_LINK);
      // Putting a link's URL into a declaration shows it again: recorded as the route does.
      const shown = await revealManifestLink({ store, key: linkKey, now }, id, publicUrl, (d) =>
        record('manifest-link.reveal', 'manifest-link', id, d),
      );
      link = { record: shown.link, created: false };
      token = shown.token;
    }
    declaration = manifestDeclaration(
      item,
      req.type,
      manifestLinkUrl(publicUrl, item.path, token),
      opts,
    );
  }
  await record('declaration.export', 'content', item.path, {
    type: declaration.Type,
    identifier: declaration.Identifier,
    // The ServerToken (a content hash, no credential), under a name the redaction keeps.
    revision: declaration.ServerToken,
    ...(link
      ? { linkId: link.record.id, linkCreated: link.created, fingerprint: link.record.fingerprint }
      : {}),
  });
  const l = link?.record;
  return {
    declaration,
    link: l ? { id: l.id, label: l.label, expiresAt: l.expiresAt, created: link!.created } : null,
    warnings: exportWarnings(req, publicUrl),
  };
}
