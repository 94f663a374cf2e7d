/**
 * Uploads into the catalog: `POST /api/v1/content` (multipart: an optional "path" field first,
 * then "file") and the write every upload ends in ({@link storeUpload}), shared with the raw-body
 * PUT in content-upload.ts.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { CatalogError } from '../../catalog/errors.js';
import { type ContentLibrary, contentEtag } from '../../catalog/library.js';
import type { Guards, RecordChange } from '../route-deps.js';
import { contentDetail } from './content-view.js';

/** How an upload is written and recorded. */
export interface UploadSink {
  library: ContentLibrary;
  recordChange: RecordChange;
}

/** Writes an upload through the library and answers 201 (created) or 200 (replaced). */
export async function storeUpload(
  sink: UploadSink,
  request: FastifyRequest,
  reply: FastifyReply,
  body: NodeJS.ReadableStream,
  path: string,
  pre: { ifMatch?: string; ifNoneMatch?: string; maxBytes: number },
  expectedLength?: number,
): Promise<FastifyReply> {
  const { record, created } = await sink.library.ingest(body, path, {
    ...pre,
    uploadedBy: request.principal?.username ?? null,
    ...(expectedLength === undefined ? {} : { expectedLength }),
  });
  await sink.recordChange(
    request,
    created ? 'content.upload' : 'content.replace',
    'content',
    record.path,
    { size: record.size, sha256: record.sha256, kind: record.kind },
  );
  return reply
    .code(created ? 201 : 200)
    .header('etag', contentEtag(record))
    .send(contentDetail(record));
}

/** Options of {@link contentPostRoute}. */
export interface ContentPostOptions extends UploadSink {
  guards: Guards;
  /** Largest upload in bytes, read per upload so a changed setting applies at once. */
  maxUploadBytes: () => Promise<number>;
}

/** Registers POST /api/v1/content (multipart upload). */
export const contentPostRoute: FastifyPluginAsync<ContentPostOptions> = async (app, opts) => {
  app.post(
    '/api/v1/content',
    {
      preHandler: opts.guards.requireRole('admin'),
      schema: {
        summary: 'Upload a file (multipart: optional "path" field first, then "file")',
        tags: ['content'],
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw new CatalogError('UPLOAD_MISSING_FILE');
      const limit = await opts.maxUploadBytes();
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
        return await storeUpload(opts, request, reply, part.file, path ?? '', {
          maxBytes: limit,
        });
      } finally {
        part.file.resume(); // drain whatever the library did not read (after a refusal)
      }
    },
  );
};
