/**
 * How the admin API (or anything else) adds routes to the admin listener. The listener's
 * configuration type belongs to the listener, so it is a type parameter here: the server binds
 * it to its ServeConfig (src/server/types.ts) and contracts stay below the server.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** What an admin extension gets when it is registered into the admin listener. */
export interface AdminContext<Config = unknown> {
  /** The validated configuration the listener runs with. */
  config: Config;
  keys: { reload(): Promise<void> };
  logger: Logger;
  /** Public base URL of the content listener (from `publicUrl` or the bound address). */
  publicUrl: string;
}

/** Adds routes to the admin Fastify instance (admin API, console) before it listens. */
export interface AdminExtension<Config = unknown> {
  register(app: FastifyInstance, ctx: AdminContext<Config>): Promise<void> | void;
}
