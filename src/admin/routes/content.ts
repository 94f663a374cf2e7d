/**
 * Catalog API (issue 5) on the admin listener: list, read, upload (raw PUT or multipart POST),
 * delete and rescan content under the serve root, plus install helpers (manifest, QR, MDM
 * command plists). GET needs the read-only role; writes need admin. Every write is recorded in
 * the change log. Paths follow serve's rules (no dotfiles, no traversal, NFC).
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { normalizeEncodedContentPath } from '../../catalog/content-path.js';
import { CatalogError } from '../../catalog/errors.js';
import { DEFAULT_EXTRACT_TIMEOUT_MS, MetadataExtractor } from '../../catalog/extract-pool.js';
import { ContentLibrary, contentEtag, DEFAULT_MAX_UPLOAD_BYTES } from '../../catalog/library.js';
import { sendAction, splitAction } from './content-install.js';
import { ContentListQuery, contentPage } from './content-page.js';
import { contentUploadRoutes } from './content-upload.js';
import { contentDetail, contentSummary, rawTail } from './content-view.js';

/** Options of {@link contentRoutes}; defaults come from the settings table, then built-ins. */
export interface ContentRoutesOptions {
  /** Largest upload in bytes (setting `catalog.maxUploadBytes`; default 8 GiB). */
  maxUploadBytes?: number;
  /** Background rescan period in ms; 0 disables (setting `catalog.rescanIntervalSeconds`; default 300 s). */
  rescanIntervalMs?: number;
  /** Wall-clock limit of one file's metadata extraction (setting `catalog.extractTimeoutSeconds`; default 5 s). */
  extractTimeoutMs?: number;
}

const PREFIX = '/api/v1/content';

/** Query of the install helpers. */
export const InstallQuery = z.object({
  config: z.string().min(1).max(100).optional(),
  managementFlags: z.coerce.number().int().min(0).max(65535).optional(),
  /** InstallEnterpriseApplication only: the bundle identifier when the file's could not be read. */
  bundleId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,254}$/, 'a bundle identifier such as com.example.tool')
    .optional(),
  /** InstallEnterpriseApplication only: the version when the file's could not be read. */
  bundleVersion: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/, 'a version such as 1.2.3')
    .optional(),
});

async function numberSetting(app: FastifyInstance, key: string): Promise<number | undefined> {
  const raw = await app.store.settings.get(key);
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Registers the catalog routes; `app` must carry the admin decorators. */
export const contentRoutes: FastifyPluginAsync<ContentRoutesOptions> = async (app, opts) => {
  // Read per upload so an admin can change the limit without a restart.
  const maxUploadBytes = async () =>
    opts.maxUploadBytes ??
    (await numberSetting(app, 'catalog.maxUploadBytes')) ??
    DEFAULT_MAX_UPLOAD_BYTES;
  const intervalSeconds = await numberSetting(app, 'catalog.rescanIntervalSeconds');
  const intervalMs =
    opts.rescanIntervalMs ?? (intervalSeconds !== undefined ? intervalSeconds * 1000 : 300_000);
  const timeoutSeconds = await numberSetting(app, 'catalog.extractTimeoutSeconds');
  // Parsing uploads and dropped-in files runs in a worker, never on this event loop.
  const extractor = new MetadataExtractor({
    timeoutMs:
      opts.extractTimeoutMs ??
      (timeoutSeconds ? timeoutSeconds * 1000 : DEFAULT_EXTRACT_TIMEOUT_MS),
  });
  const library = new ContentLibrary({ root: app.contentRoot, store: app.store, extractor });
  const rescan = scheduleRescans(app, library, intervalMs);
  // A file still queued at shutdown is skipped (not recorded) and read by the next start.
  app.addHook('onClose', () => extractor.close());
  const read = { preHandler: app.requireRole('read-only') };
  const admin = { preHandler: app.requireRole('admin') };

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
      const page = contentPage(await library.list(), request.query as ContentListQuery);
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
        await app.recordChange(request, 'content.rescan', 'content', null, {
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
        const record = await app.store.content
          .get(normalizeEncodedContentPath(split.pathTail))
          .catch(() => undefined);
        if (record) return sendAction(app, request, reply, record, split.action);
      }
      const record = await app.store.content.get(normalizeEncodedContentPath(tail));
      if (!record) throw new CatalogError('CONTENT_NOT_FOUND');
      return reply.header('etag', contentEtag(record)).send(contentDetail(record));
    },
  );

  app.delete(
    `${PREFIX}/*`,
    { ...admin, schema: { summary: 'Delete a file and its record', tags: ['content'] } },
    async (request, reply) => {
      const path = normalizeEncodedContentPath(rawTail(request));
      const ifMatch = header(request, 'if-match');
      const removed = await library.remove(path, ifMatch === undefined ? {} : { ifMatch });
      if (!removed) throw new CatalogError('CONTENT_NOT_FOUND');
      await app.recordChange(request, 'content.delete', 'content', path, {});
      return reply.code(204).send();
    },
  );

  app.post(
    PREFIX,
    {
      ...admin,
      schema: {
        summary: 'Upload a file (multipart: optional "path" field first, then "file")',
        tags: ['content'],
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw new CatalogError('UPLOAD_MISSING_FILE');
      const limit = await maxUploadBytes();
      // One byte of slack so the library's own meter (UPLOAD_TOO_LARGE) fires before busboy's cut-off.
      const part = await request.file({
        limits: { fileSize: limit + 1, files: 1, fields: 5, fieldSize: 4096 },
      });
      if (!part) throw new CatalogError('UPLOAD_MISSING_FILE');
      const field = part.fields.path;
      const named =
        field && !Array.isArray(field) && field.type === 'field' ? String(field.value) : undefined;
      const path = named || part.filename;
      try {
        return await storeUpload(app, library, request, reply, part.file, path ?? '', {
          maxBytes: limit,
        });
      } finally {
        part.file.resume(); // drain whatever the library did not read (after a refusal)
      }
    },
  );

  await app.register(contentUploadRoutes, {
    prefix: PREFIX,
    admin,
    upload: async (request, reply, body, path, pre, expectedLength) =>
      storeUpload(
        app,
        library,
        request,
        reply,
        body,
        path,
        { ...pre, maxBytes: await maxUploadBytes() },
        expectedLength,
      ),
  });
};

/** Writes an upload through the library and answers 201 (created) or 200 (replaced). */
async function storeUpload(
  app: FastifyInstance,
  library: ContentLibrary,
  request: FastifyRequest,
  reply: FastifyReply,
  body: NodeJS.ReadableStream,
  path: string,
  pre: { ifMatch?: string; ifNoneMatch?: string; maxBytes: number },
  expectedLength?: number,
): Promise<FastifyReply> {
  const { record, created } = await library.ingest(body, path, {
    ...pre,
    uploadedBy: request.principal?.username ?? null,
    ...(expectedLength === undefined ? {} : { expectedLength }),
  });
  await app.recordChange(
    request,
    created ? 'content.upload' : 'content.replace',
    'content',
    record.path,
    {
      size: record.size,
      sha256: record.sha256,
      kind: record.kind,
    },
  );
  return reply
    .code(created ? 201 : 200)
    .header('etag', contentEtag(record))
    .send(contentDetail(record));
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/** Runs one rescan at a time: at start (onReady), every `intervalMs`, and on demand. */
function scheduleRescans(app: FastifyInstance, library: ContentLibrary, intervalMs: number) {
  let running: ReturnType<ContentLibrary['rescan']> | null = null;
  const rescan = () => {
    running ??= library.rescan().finally(() => {
      running = null;
    });
    return running;
  };
  const background = () => {
    rescan().catch((err) =>
      app.log.warn({ code: (err as { code?: string }).code }, 'content rescan failed'),
    );
  };
  let timer: NodeJS.Timeout | null = null;
  app.addHook('onReady', async () => {
    background();
    if (intervalMs > 0) {
      timer = setInterval(background, intervalMs);
      timer.unref();
    }
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    await running?.catch(() => {});
  });
  return rescan;
}
