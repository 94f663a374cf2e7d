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
import type { LinkTokenKey } from '../../store/link-token.js';
import { actorOf } from '../actor.js';
import type { ConfigurationSigner } from '../configuration-signer.js';
import { exportDeclaration } from '../declaration-export.js';
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

/** Registers POST /api/v1/declarations. */
export const declarationRoutes: FastifyPluginAsyncZod<DeclarationRoutesOptions> = async (
  app,
  deps,
) => {
  const { store, guards, recordChange, now, linkKey, publicUrl } = deps;
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
      // The signer's permission, checked again where the credential is handed out.
      deps.signer.minterFor(request.principal);
      const exported = await exportDeclaration(
        { store, linkKey, publicUrl, now },
        actorOf(request.principal),
        request.body,
        (action, targetType, targetId, details) =>
          recordChange(request, action, targetType, targetId, details),
      );
      return reply
        .code(exported.link?.created ? 201 : 200)
        .header('cache-control', 'no-store')
        .send(exported);
    },
  );
};
