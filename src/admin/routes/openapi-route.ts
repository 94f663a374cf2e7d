/**
 * GET /api/openapi.json: the OpenAPI 3.1 document of the admin routes, built from the route log
 * the admin plugin fills as routes register (openapi.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import { buildOpenApiDocument, type RouteEntry } from '../openapi.js';

const API_VERSION = '1.0.0';

/** Options of {@link openApiRoute}. */
export interface OpenApiRouteOptions {
  routes: RouteEntry[];
}

/** Registers GET /api/openapi.json (public). */
export const openApiRoute: FastifyPluginAsync<OpenApiRouteOptions> = async (app, opts) => {
  app.get(
    '/api/openapi.json',
    { config: { public: true }, schema: { summary: 'This OpenAPI 3.1 document', tags: ['meta'] } },
    async () => buildOpenApiDocument(opts.routes, API_VERSION),
  );
};
