/**
 * Zod schemas of the admin API, one file per resource under `schemas/`: the single source for
 * request validation, the handlers' request types (fastify-type-provider-zod) and the OpenAPI
 * document. Request objects are strict (unknown fields are refused with 400). Every field has
 * a label in field-labels.ts, from which validation messages are built.
 */
export * from './schemas/accounts.js';
export * from './schemas/audit.js';
export * from './schemas/common.js';
export * from './schemas/configurations.js';
export * from './schemas/declarations.js';
export * from './schemas/jwt-servers.js';
export * from './schemas/manifest-links.js';
export * from './schemas/tools.js';
