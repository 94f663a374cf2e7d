/**
 * Registers every admin API route file. Each file is an encapsulated Fastify plugin that
 * inherits the admin decorators; the catalog's content routes are registered by app.ts.
 */
import type { FastifyInstance } from 'fastify';
import { JSON_BODY_LIMIT } from '../limits.js';
import { buildOpenApiDocument } from '../openapi.js';
import { accountRoutes } from './accounts.js';
import { auditRoutes } from './audit.js';
import { authRoutes } from './auth.js';
import { configurationRoutes } from './configurations.js';
import { jwtServerTestRoutes } from './jwt-server-test.js';
import { jwtServerRoutes } from './jwt-servers.js';

const API_VERSION = '1.0.0';

/** Registers all admin API routes on `app`. */
export async function registerAdminRoutes(app: FastifyInstance): Promise<void> {
  // The host listener may allow large bodies (content uploads); these JSON routes never need more.
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= JSON_BODY_LIMIT;
  });
  // JSON (and multipart where declared) only: a text/plain body is a client mistake, say so (415).
  app.removeContentTypeParser('text/plain');
  app.get(
    '/api/openapi.json',
    { config: { public: true }, schema: { summary: 'This OpenAPI 3.1 document', tags: ['meta'] } },
    async () => buildOpenApiDocument(app.adminRoutes, API_VERSION),
  );
  await app.register(authRoutes);
  await app.register(accountRoutes);
  await app.register(configurationRoutes);
  await app.register(jwtServerRoutes);
  await app.register(jwtServerTestRoutes);
  await app.register(auditRoutes);
}
