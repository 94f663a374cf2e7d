/**
 * Raw-body upload: `PUT /api/v1/content/{path}`. Registered in its own encapsulated context that
 * replaces every body parser with a pass-through, so the request stream goes straight to the
 * library (temp file + rename) instead of being buffered under the JSON body limit.
 */
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from 'fastify';
import { normalizeEncodedContentPath } from '../../catalog/content-path.js';
import { CatalogError } from '../../catalog/errors.js';
import { rawTail } from './content-view.js';

/** What the parent plugin hands the upload context. */
export interface ContentUploadOptions {
  admin: { preHandler: preHandlerAsyncHookHandler };
  upload(
    request: FastifyRequest,
    reply: FastifyReply,
    body: NodeJS.ReadableStream,
    path: string,
    pre: { ifMatch?: string; ifNoneMatch?: string },
    expectedLength?: number,
  ): Promise<FastifyReply>;
}

/** PUT /api/v1/content/* with a streamed body. */
export const contentUploadRoutes: FastifyPluginAsync<ContentUploadOptions> = async (app, opts) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  app.put(
    '/*',
    {
      ...opts.admin,
      schema: { summary: 'Create or replace a file from the raw request body', tags: ['content'] },
    },
    async (request, reply) => {
      const tail = rawTail(request);
      const pre: { ifMatch?: string; ifNoneMatch?: string } = {};
      const ifMatch = request.headers['if-match'];
      const ifNoneMatch = request.headers['if-none-match'];
      if (typeof ifMatch === 'string') pre.ifMatch = ifMatch;
      if (typeof ifNoneMatch === 'string') pre.ifNoneMatch = ifNoneMatch;
      const length = request.headers['content-length'];
      const expected =
        typeof length === 'string' && /^\d+$/.test(length) ? Number(length) : undefined;
      if (tail === '')
        throw new CatalogError('PATH_INVALID', 'PUT needs a file path after /api/v1/content/.');
      // The tail is still percent-encoded; decoding happens once, in the path check.
      const path = normalizeEncodedContentPath(tail);
      return opts.upload(request, reply, request.raw, path, pre, expected);
    },
  );
};
