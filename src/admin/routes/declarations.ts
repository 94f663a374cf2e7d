/**
 * Declaration export (POST /api/v1/declarations): the declaration JSON for one catalog item, to
 * paste or import into an MDM that speaks declarative device management. A package or
 * managed-app declaration's ManifestURL is a manifest link — the link named by `linkId` (its URL
 * derived again, as `…/manifest-links/:id/url` does) or one created for this export (`newLink`,
 * reported as `link.created: true`, status 201). Exporting never creates a credential the
 * caller did not ask for, so exporting twice with `linkId` yields the same declaration and the
 * same ServerToken. The answer carries a credential, so the signer decides who may export; each
 * export is recorded in the change log (`declaration.export`, with the link's fingerprint).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  assetDataDeclaration,
  DECLARATIONS_BY_KIND,
  type Declaration,
  manifestDeclaration,
} from '../../catalog/declarations.js';
import { CATALOG_WARNINGS, CatalogError, type ContentWarning } from '../../catalog/errors.js';
import type { LinkTokenKey } from '../../store/link-token.js';
import type { ContentRecord, ManifestLinkRecord } from '../../store/types.js';
import { actorOf } from '../actor.js';
import type { ConfigurationSigner } from '../configuration-signer.js';
import { AdminError } from '../errors.js';
import { createManifestLink, manifestLinkUrl, manifestLinkView } from '../manifest-links.js';
import type { RouteDeps } from '../route-deps.js';
import { ExportDeclarationBody, ExportedDeclaration } from '../schemas.js';

/** Options of {@link declarationRoutes}. */
export interface DeclarationRoutesOptions extends RouteDeps {
  /** Decides who may export (the answer holds a manifest link): it signs nothing here. */
  signer: ConfigurationSigner;
  /** Derives manifest-link tokens (never the store secret itself). */
  linkKey: LinkTokenKey;
  /** Public base URL of the content listener. */
  publicUrl: string;
}

type Body = typeof ExportDeclarationBody._zod.output;

/** Warnings of an export: links devices refuse, and what an asset declaration needs. */
function exportWarnings(body: Body, publicUrl: string): ContentWarning[] {
  const out: ContentWarning[] = [];
  if (/^http:/i.test(publicUrl))
    out.push({ code: 'INSECURE_DEVICE_LINKS', message: CATALOG_WARNINGS.INSECURE_DEVICE_LINKS });
  if (body.type === 'asset.data')
    out.push({
      code: 'ASSET_DATA_DEVICE_IDENTITY',
      message: CATALOG_WARNINGS.ASSET_DATA_DEVICE_IDENTITY,
    });
  return out;
}

/** Registers POST /api/v1/declarations. */
export const declarationRoutes: FastifyPluginAsyncZod<DeclarationRoutesOptions> = async (
  app,
  deps,
) => {
  const { store, guards, recordChange, now, linkKey, publicUrl } = deps;

  /** The active link `id` of this item, else the one NOT_FOUND (other items' links look missing). */
  const existingLink = async (id: string, record: ContentRecord): Promise<ManifestLinkRecord> => {
    const link = await store.manifestLinks.get(id);
    if (
      !link ||
      link.contentPath !== record.path ||
      manifestLinkView(link, now()).status !== 'active'
    ) {
      throw new AdminError('NOT_FOUND', 'No active manifest link with this id for this item.');
    }
    return link;
  };

  app.post(
    '/api/v1/declarations',
    {
      preHandler: guards.requireSigning,
      schema: {
        summary: 'Export the declaration JSON of a catalog item (package, app.managed, asset.data)',
        tags: ['declarations'],
        body: ExportDeclarationBody,
        response: { 200: ExportedDeclaration, 201: ExportedDeclaration },
      },
    },
    async (request, reply) => {
      deps.signer.minterFor(request.principal);
      const body = request.body;
      const record = await store.content.get(body.path);
      if (!record) throw new CatalogError('CONTENT_NOT_FOUND');
      // Before any link is made: does this declaration fit the item at all?
      if (!DECLARATIONS_BY_KIND[record.kind].includes(body.type))
        throw new CatalogError('DECLARATION_NOT_APPLICABLE');
      const opts = {
        identifier: body.identifier,
        install: body.install,
        automaticAppUpdates: body.automaticAppUpdates,
        includeInBackup: body.includeInBackup,
      };
      let declaration: Declaration;
      let link: { record: ManifestLinkRecord; created: boolean } | null = null;
      if (body.type === 'asset.data') {
        declaration = assetDataDeclaration(record, publicUrl, opts);
      } else {
        const kind = body.type;
        let token: string;
        if (body.newLink) {
          // createManifestLink refuses unreadable bundle values before the link exists.
          const made = await createManifestLink(
            { store, key: linkKey, now },
            actorOf(request.principal),
            { ...body.newLink, path: record.path },
            (details, id) =>
              recordChange(request, 'manifest-link.create', 'manifest-link', id, details),
          );
          link = { record: made.link, created: true };
          token = made.token;
        } else {
          link = { record: await existingLink(body.linkId ?? '', record), created: false };
          token = linkKey.tokenFor(link.record.id);
        }
        declaration = manifestDeclaration(
          record,
          kind,
          manifestLinkUrl(publicUrl, record.path, token),
          opts,
        );
      }
      await recordChange(request, 'declaration.export', 'content', record.path, {
        type: declaration.Type,
        identifier: declaration.Identifier,
        // The ServerToken (a content hash, no credential), under a name the redaction keeps.
        revision: declaration.ServerToken,
        ...(link
          ? {
              linkId: link.record.id,
              linkCreated: link.created,
              fingerprint: link.record.fingerprint,
            }
          : {}),
      });
      return reply
        .code(link?.created ? 201 : 200)
        .header('cache-control', 'no-store')
        .send({
          declaration,
          link: link
            ? {
                id: link.record.id,
                label: link.record.label,
                expiresAt: link.record.expiresAt,
                created: link.created,
              }
            : null,
          warnings: exportWarnings(body, publicUrl),
        });
    },
  );
};
