/**
 * Manifest links (/api/v1/manifest-links): list and read (read-only role), create and
 * re-derive the URL (admin: a link is a credential, so the signer's permission decides), revoke
 * (admin). The token appears only in the answers to create and `…/url`; both are recorded in
 * the change log with the link's fingerprint, never the token.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { LinkTokenKey } from '../../store/link-token.js';
import { actorOf } from '../actor.js';
import type { ConfigurationSigner } from '../configuration-signer.js';
import { AdminError } from '../errors.js';
import {
  createManifestLink,
  manifestLinkUrl,
  manifestLinkView,
  revealManifestLink,
} from '../manifest-links.js';
import type { RouteDeps } from '../route-deps.js';
import {
  CreatedManifestLink,
  CreateManifestLinkBody,
  IdParams,
  listOf,
  ManifestLinkListQuery,
  ManifestLinkUrl,
  ManifestLinkView,
} from '../schemas.js';

const BASE = '/api/v1/manifest-links';
const TAGS = ['manifest-links'];

/** Options of {@link manifestLinkRoutes}. */
export interface ManifestLinkRoutesOptions extends RouteDeps {
  /** Decides who may create links (the minting permission) — it mints nothing here. */
  signer: ConfigurationSigner;
  /** Derives link tokens (the store secret itself stays with the admin plugin). */
  linkKey: LinkTokenKey;
  /** Public base URL of the content listener. */
  publicUrl: string;
}

/** Registers /api/v1/manifest-links. */
export const manifestLinkRoutes: FastifyPluginAsyncZod<ManifestLinkRoutesOptions> = async (
  app,
  deps,
) => {
  const { store, guards, recordChange, now, linkKey, publicUrl } = deps;
  const read = { preHandler: guards.requireRole('read-only') };
  const admin = { preHandler: guards.requireRole('admin') };
  const mint = { preHandler: guards.requireSigning };
  const get = async (id: string) => {
    const link = await store.manifestLinks.get(id);
    if (!link) throw new AdminError('NOT_FOUND', 'No manifest link with this id.');
    return link;
  };

  app.get(
    BASE,
    {
      ...read,
      schema: {
        summary: 'List manifest links (of one item with ?path=)',
        tags: TAGS,
        querystring: ManifestLinkListQuery,
        response: { 200: listOf(ManifestLinkView) },
      },
    },
    async (request) => {
      const { path } = request.query;
      const links = await store.manifestLinks.list(path === undefined ? {} : { contentPath: path });
      const at = now();
      return { items: links.map((l) => manifestLinkView(l, at)) };
    },
  );

  app.post(
    BASE,
    {
      ...mint,
      schema: {
        summary: 'Create a manifest link (the token and URL are in this answer)',
        tags: TAGS,
        body: CreateManifestLinkBody,
        response: { 201: CreatedManifestLink },
      },
    },
    async (request, reply) => {
      // The signer's permission, checked again where the credential is made.
      deps.signer.minterFor(request.principal);
      const { link, token } = await createManifestLink(
        { store, key: linkKey, now },
        actorOf(request.principal),
        request.body,
        (details, id) =>
          recordChange(request, 'manifest-link.create', 'manifest-link', id, details),
      );
      return reply
        .code(201)
        .header('location', `${BASE}/${link.id}`)
        .header('cache-control', 'no-store')
        .send({
          ...manifestLinkView(link, now()),
          token,
          manifestUrl: manifestLinkUrl(publicUrl, link.contentPath, token),
        });
    },
  );

  app.get(
    `${BASE}/:id`,
    {
      ...read,
      schema: {
        summary: 'Read a manifest link (never its token)',
        tags: TAGS,
        params: IdParams,
        response: { 200: ManifestLinkView },
      },
    },
    async (request) => manifestLinkView(await get(request.params.id), now()),
  );

  app.post(
    `${BASE}/:id/url`,
    {
      ...mint,
      schema: {
        summary: "Show a link's manifest URL again (recorded in the change log)",
        tags: TAGS,
        params: IdParams,
        response: { 200: ManifestLinkUrl },
      },
    },
    async (request, reply) => {
      deps.signer.minterFor(request.principal);
      const { link, token, manifestUrl } = await revealManifestLink(
        { store, key: linkKey, now },
        request.params.id,
        publicUrl,
        (details) =>
          recordChange(
            request,
            'manifest-link.reveal',
            'manifest-link',
            request.params.id,
            details,
          ),
      );
      return reply
        .header('cache-control', 'no-store')
        .send({ id: link.id, token, manifestUrl, expiresAt: link.expiresAt });
    },
  );

  app.delete(
    `${BASE}/:id`,
    {
      ...admin,
      schema: {
        summary: 'Revoke a manifest link (at once, on every node)',
        tags: TAGS,
        params: IdParams,
        response: { 200: ManifestLinkView },
      },
    },
    async (request) => {
      const { id } = request.params;
      const revoked = await store.transaction(async () => {
        const before = await get(id);
        const after = await store.manifestLinks.revoke(id, actorOf(request.principal));
        if (!after) throw new AdminError('NOT_FOUND', 'No manifest link with this id.');
        if (before.revokedAt === null) {
          await recordChange(request, 'manifest-link.revoke', 'manifest-link', id, {
            path: after.contentPath,
            fingerprint: after.fingerprint,
          });
        }
        return after;
      });
      return manifestLinkView(revoked, now());
    },
  );
};
