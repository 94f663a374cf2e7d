/**
 * Catalog API (issue 5) on the admin listener: list, read, upload (raw PUT or multipart POST),
 * delete and rescan content under the serve root, plus install helpers (manifest, QR, MDM
 * command plists). GET needs the read-only role; writes need admin. Every write is recorded in
 * the change log. Paths follow serve's rules (no dotfiles, no traversal, NFC).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { normalizeEncodedContentPath } from '../../catalog/content-path.js';
import { CatalogError } from '../../catalog/errors.js';
import { DEFAULT_EXTRACT_TIMEOUT_MS, MetadataExtractor } from '../../catalog/extract-pool.js';
import { ContentLibrary, contentEtag, DEFAULT_MAX_UPLOAD_BYTES } from '../../catalog/library.js';
import type { ContentStorage } from '../../contracts/content-storage.js';
import { actorOf } from '../actor.js';
import type { ConfigurationSigner } from '../configuration-signer.js';
import type { RouteDeps } from '../route-deps.js';
import { sendAction, splitAction } from './content-install.js';
import { ContentListQuery, contentPage } from './content-page.js';
import { contentPostRoute, storeUpload } from './content-post.js';
import { numberSetting, scheduleRescans } from './content-rescan.js';
import { contentUploadRoutes } from './content-upload.js';
import { contentDetail, contentSummary, rawTail } from './content-view.js';

/** Catalog limits; defaults come from the settings table, then built-ins. */
export interface ContentLimits {
  /** Largest upload in bytes (setting `catalog.maxUploadBytes`; default 8 GiB). */
  maxUploadBytes?: number;
  /** Background rescan period in ms; 0 disables (setting `catalog.rescanIntervalSeconds`; default 300 s). */
  rescanIntervalMs?: number;
  /** Wall-clock limit of one file's metadata extraction (setting `catalog.extractTimeoutSeconds`; default 5 s). */
  extractTimeoutMs?: number;
}

/** Options of {@link contentRoutes}: install helpers mint, so they get the signer. */
export interface ContentRoutesOptions extends RouteDeps, ContentLimits {
  signer: ConfigurationSigner;
  /** Public base URL of the content listener (device links are built from it). */
  publicUrl: string;
  /** Where content lives (a folder on disk, a bucket). */
  contentStorage: ContentStorage;
  /** PEM chain InstallEnterpriseApplication pins (`--pinning-certs`, else `--tls-cert`). */
  pinningCertsFile?: string | undefined;
}

const PREFIX = '/api/v1/content';

/** A bundle identifier a caller may give (the console checks the same pattern before asking). */
const BUNDLE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.-]{0,254}$/;
/** A bundle version a caller may give (the console checks the same pattern before asking). */
const BUNDLE_VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

/** A yes/no query flag: `true` or `false`, as a link or a form sends it. */
const queryFlag = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional();

/** Query of the install helpers. */
export const InstallQuery = z.object({
  config: z.string().min(1).max(100).optional(),
  managementFlags: z.coerce.number().int().min(0).max(65535).optional(),
  /** InstallEnterpriseApplication only: the bundle identifier when the file's could not be read. */
  bundleId: z
    .string()
    .regex(BUNDLE_ID_PATTERN, 'must look like com.example.tool (letters, digits, dots, hyphens)')
    .optional(),
  /** InstallEnterpriseApplication only: the version when the file's could not be read. */
  bundleVersion: z
    .string()
    .regex(BUNDLE_VERSION_PATTERN, 'must look like 1.2.3 (letters, digits, . _ + -)')
    .optional(),
  /** InstallEnterpriseApplication: send a ManifestURL instead of the inline Manifest. */
  manifestUrl: queryFlag,
  /** InstallEnterpriseApplication: pin the manifest fetch to the serving chain (implies manifestUrl). */
  pinning: queryFlag,
  /** InstallEnterpriseApplication: PinningRevocationCheckRequired (implies pinning). */
  pinningRevocationCheck: queryFlag,
});

/** Registers the catalog routes. */
export const contentRoutes: FastifyPluginAsyncZod<ContentRoutesOptions> = async (app, opts) => {
  const { store, recordChange, guards } = opts;
  // Read per upload so an admin can change the limit without a restart.
  const maxUploadBytes = async () =>
    opts.maxUploadBytes ??
    (await numberSetting(store, 'catalog.maxUploadBytes')) ??
    DEFAULT_MAX_UPLOAD_BYTES;
  const intervalSeconds = await numberSetting(store, 'catalog.rescanIntervalSeconds');
  const intervalMs =
    opts.rescanIntervalMs ?? (intervalSeconds !== undefined ? intervalSeconds * 1000 : 300_000);
  const timeoutSeconds = await numberSetting(store, 'catalog.extractTimeoutSeconds');
  // Parsing uploads and dropped-in files runs in a worker, never on this event loop.
  const extractor = new MetadataExtractor({
    timeoutMs:
      opts.extractTimeoutMs ??
      (timeoutSeconds ? timeoutSeconds * 1000 : DEFAULT_EXTRACT_TIMEOUT_MS),
  });
  const library = new ContentLibrary({ storage: opts.contentStorage, store, extractor });
  const rescan = scheduleRescans(app, library, intervalMs);
  // A file still queued at shutdown is skipped (not recorded) and read by the next start.
  app.addHook('onClose', () => extractor.close());
  const read = { preHandler: guards.requireRole('read-only') };
  const admin = { preHandler: guards.requireRole('admin') };

  app.get(
    PREFIX,
    {
      ...read,
      schema: {
        summary: 'List catalogued content (by path; `limit`/`cursor` page it)',
        tags: ['content'],
        querystring: ContentListQuery,
      },
    },
    async (request, reply) => {
      const page = contentPage(await library.list(), request.query);
      if (page.nextCursor) reply.header('x-next-cursor', page.nextCursor);
      return { items: page.items.map(contentSummary) };
    },
  );

  app.post(
    `${PREFIX}/rescan`,
    { ...admin, schema: { summary: 'Re-read the content root now', tags: ['content'] } },
    async (request) => {
      const result = await rescan();
      if (result.added.length + result.updated.length + result.removed.length > 0) {
        await recordChange(request, 'content.rescan', 'content', null, {
          added: result.added.length,
          updated: result.updated.length,
          removed: result.removed.length,
        });
      }
      return result;
    },
  );

  app.get(
    `${PREFIX}/*`,
    {
      ...read,
      schema: {
        summary: 'One record, or its install/manifest/QR/command helpers',
        tags: ['content'],
        querystring: InstallQuery,
      },
    },
    async (request, reply) => {
      const tail = rawTail(request);
      const split = splitAction(tail);
      if (split) {
        const record = await store.content
          .get(normalizeEncodedContentPath(split.pathTail))
          .catch(() => undefined);
        if (record) return sendAction(opts, request, reply, record, split.action, request.query);
      }
      const record = await store.content.get(normalizeEncodedContentPath(tail));
      if (!record) throw new CatalogError('CONTENT_NOT_FOUND');
      return reply.header('etag', contentEtag(record)).send(contentDetail(record));
    },
  );

  app.delete(
    `${PREFIX}/*`,
    { ...admin, schema: { summary: 'Delete a file and its record', tags: ['content'] } },
    async (request, reply) => {
      const path = normalizeEncodedContentPath(rawTail(request));
      const ifMatch = request.headers['if-match'];
      const removed = await library.remove(path, typeof ifMatch === 'string' ? { ifMatch } : {});
      if (!removed) throw new CatalogError('CONTENT_NOT_FOUND');
      // Deleting an item ends its manifest links: an item uploaded again later at the same path
      // is another file, and links handed out for the old one must not open it. (A rescan that
      // forgets an item, or finds another package in its place, ends them too: the library.)
      const revokedLinks = await store.manifestLinks.revokeForContent(
        path,
        actorOf(request.principal),
      );
      await recordChange(request, 'content.delete', 'content', path, {
        ...(revokedLinks > 0 ? { revokedLinks } : {}),
      });
      return reply.code(204).send();
    },
  );

  const sink = { library, recordChange };
  await app.register(contentPostRoute, { ...sink, guards, maxUploadBytes });
  await app.register(contentUploadRoutes, {
    prefix: PREFIX,
    admin,
    upload: async (request, reply, body, path, pre, expectedLength) =>
      storeUpload(
        sink,
        request,
        reply,
        body,
        path,
        { ...pre, maxBytes: await maxUploadBytes() },
        expectedLength,
      ),
  });
};
