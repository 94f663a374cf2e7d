/**
 * OpenAPI 3.1 generated from the routes themselves: an onRoute hook records every route with
 * its zod schemas, and the document converts them with zod's `z.toJSONSchema`. There is no
 * hand-maintained copy to drift.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { z } from 'zod';

/** One recorded route. */
export interface RouteEntry {
  method: string;
  url: string;
  schema: Record<string, unknown>;
  public: boolean;
}

declare module 'fastify' {
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
    /** Set when the route consumes multipart/form-data too. */
    multipart?: boolean;
  }
}

/**
 * Records into `routes` every route registered in `app`'s scope after this call (an onRoute hook
 * is inherited by the plugins registered later), for the OpenAPI document and the route walk.
 */
export function collectRoutes(app: FastifyInstance, routes: RouteEntry[]): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routes.push({
        method,
        url: route.url,
        schema: (route.schema ?? {}) as Record<string, unknown>,
        public: route.config?.public === true,
      });
    }
  });
}

function isZod(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

function jsonSchema(schema: unknown, io: 'input' | 'output'): Record<string, unknown> {
  if (!isZod(schema)) return {};
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

function parameters(entry: RouteEntry): unknown[] {
  const out: unknown[] = [];
  for (const [where, key] of [
    ['path', 'params'],
    ['query', 'querystring'],
  ] as const) {
    const schema = jsonSchema(entry.schema[key], 'input');
    const props = (schema.properties ?? {}) as Record<string, unknown>;
    const required = new Set((schema.required as string[] | undefined) ?? []);
    for (const [name, prop] of Object.entries(props)) {
      out.push({ name, in: where, required: where === 'path' || required.has(name), schema: prop });
    }
  }
  return out;
}

function operation(entry: RouteEntry): Record<string, unknown> {
  const op: Record<string, unknown> = {
    summary: entry.schema.summary ?? `${entry.method} ${entry.url}`,
    ...(entry.schema.description ? { description: entry.schema.description } : {}),
    ...(entry.schema.tags ? { tags: entry.schema.tags } : {}),
    parameters: parameters(entry),
    security: entry.public ? [] : [{ bearerAuth: [] }],
  };
  if (isZod(entry.schema.body)) {
    const content: Record<string, unknown> = {
      'application/json': { schema: jsonSchema(entry.schema.body, 'input') },
    };
    if (entry.schema.multipart) content['multipart/form-data'] = { schema: { type: 'object' } };
    op.requestBody = { required: true, content };
  }
  const responses: Record<string, unknown> = {};
  const declared = (entry.schema.response ?? {}) as Record<string, unknown>;
  for (const [status, schema] of Object.entries(declared)) {
    responses[status] = isZod(schema)
      ? {
          description: status,
          content: { 'application/json': { schema: jsonSchema(schema, 'output') } },
        }
      : { description: status };
  }
  if (Object.keys(responses).length === 0) responses['200'] = { description: 'OK' };
  responses.default = {
    description: 'Problem',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
  op.responses = responses;
  return op;
}

/** Converts a Fastify URL (`/a/:id`) to an OpenAPI path (`/a/{id}`). */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** Builds the OpenAPI 3.1 document of the recorded routes under `/api/`. */
export function buildOpenApiDocument(
  routes: RouteEntry[],
  version: string,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const entry of routes) {
    if (!entry.url.startsWith('/api/')) continue;
    const path = openApiPath(entry.url);
    paths[path] ??= {};
    paths[path][entry.method.toLowerCase()] = operation(entry);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Portcullis admin API', version },
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        basicAuth: { type: 'http', scheme: 'basic' },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string' },
            instance: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                required: ['field', 'message'],
                properties: {
                  field: {
                    type: 'string',
                    description: 'Dotted path of the field (empty for the request as a whole)',
                  },
                  message: { type: 'string', description: 'What is wrong, for people' },
                  path: { type: 'string', description: 'Same as field (earlier clients)' },
                },
              },
            },
          },
        },
      },
    },
  };
}
