/**
 * The admin API as a tree of encapsulated Fastify plugins. `adminPlugin` is one encapsulated
 * scope: it builds the services (authenticator, throttle, signer) in its own closure, installs
 * the zod validator, the problem+json handlers and the guard hook for its routes, and registers
 * each route plugin with only the dependencies that plugin names (route-deps.ts). Nothing is
 * decorated onto the instance it is registered on, so the admin listener's own routes
 * (/metrics, /healthz) and content extensions cannot reach the store secret or the signer.
 * `buildAdminApp` makes a standalone instance (tests, `fastify.inject()`); compose.ts plugs the
 * same plugin into the admin listener.
 */

import multipart from '@fastify/multipart';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
} from 'fastify';
import type { ContentStorage } from '../contracts/content-storage.js';
import type { ProbeRunner } from '../contracts/probe-runner.js';
import { createDiskStorage } from '../storage/disk.js';
import type { Store } from '../store/types.js';
import type { Principal } from './auth/authenticate.js';
import { ExternalJwtVerifier, type RemoteJwksOptions } from './auth/external.js';
import { loadOrCreateSessionKey } from './auth/session-tokens.js';
import { SharedLoginThrottle } from './auth/shared-throttle.js';
import { LoginThrottle, type ThrottleOptions } from './auth/throttle.js';
import { ConfigurationSigner } from './configuration-signer.js';
import { guardBeforeValidation, makeGuards } from './guards.js';
import { JSON_BODY_LIMIT, KEY_FILE_LIMIT } from './limits.js';
import { collectRoutes, type RouteEntry } from './openapi.js';
import { installErrorHandler, installProblemHandlers } from './problem.js';
import { changeRecorder } from './route-deps.js';
import { registerAdminRoutes } from './routes/index.js';
import { useZodValidation } from './validation.js';

export type { Principal } from './auth/authenticate.js';

/** Options of the admin plugin. */
export interface AdminOptions {
  store: Store;
  /** The store secret (from loadOrCreateSecret): decrypts configuration keys and settings. */
  secret: Uint8Array;
  /** Public base URL of the content listener, e.g. `https://dist.example.com`. */
  publicUrl: string;
  /**
   * Where content lives, for the catalog routes: a storage (a bucket, from
   * `openContentStorage`), or a root directory on disk (`contentRoot`) when none is given.
   */
  contentStorage?: ContentStorage;
  /** Content root directory on disk; used when `contentStorage` is not given. */
  contentRoot?: string;
  /**
   * PEM chain that InstallEnterpriseApplication commands pin (`ManifestURLPinningCerts`): the
   * content listener's `--tls-cert`, or `--pinning-certs` when TLS ends at a front server.
   */
  pinningCertsFile?: string | undefined;
  /** Clock in epoch ms (tests freeze it). */
  now?: () => number;
  jwks?: RemoteJwksOptions;
  throttle?: ThrottleOptions;
  /** Called after a configuration changes so the content listener reloads keys without polling. */
  onKeysChanged?: () => Promise<void> | void;
  /** The distribution-point probe (src/probe, handed in by src/app: admin does not import it). */
  probe: ProbeRunner;
  /** Receives every admin route as it is registered (method, URL, schema); see openapi.ts. */
  routeLog?: RouteEntry[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller of an admin route (null before the guards ran). */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Route stays usable while the account must change its one-time password. */
    allowDuringPasswordChange?: boolean;
    /** Route needs no authentication (token endpoint, OpenAPI). */
    public?: boolean;
  }
}

export { JSON_BODY_LIMIT, KEY_FILE_LIMIT } from './limits.js';

function memoize<T>(fn: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= fn().catch((err) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}

async function adminPluginImpl(app: FastifyInstance, opts: AdminOptions): Promise<void> {
  if (!opts?.store || !(opts.secret instanceof Uint8Array)) {
    throw new TypeError('adminPlugin needs { store, secret, publicUrl, contentRoot }');
  }
  const contentStorage = opts.contentStorage ?? createDiskStorage(opts.contentRoot ?? '');
  const { store, secret } = opts;
  const now = opts.now ?? Date.now;
  const sessionKey = memoize(() => loadOrCreateSessionKey(store, secret));
  const external = new ExternalJwtVerifier(secret, opts.jwks);
  const signer = new ConfigurationSigner(store, secret, now, opts.probe);
  const routes = opts.routeLog ?? [];
  // Scoped to this plugin: every hook and handler below applies to the admin routes only.
  app.decorateRequest('principal', null);
  useZodValidation(app);
  installProblemHandlers(app);
  collectRoutes(app, routes);
  guardBeforeValidation(app);
  await app.register(multipart, {
    limits: { fileSize: KEY_FILE_LIMIT, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 25 },
  });
  await registerAdminRoutes(app, {
    base: {
      store,
      guards: makeGuards({ store, sessionKey, external, now }, signer),
      recordChange: changeRecorder(store),
      now,
    },
    secret,
    signer,
    external,
    sessionKey,
    // Several nodes on one PostgreSQL store count sign-ins together; one SQLite node in memory.
    throttle: store.throttle
      ? new SharedLoginThrottle(store.throttle, { now, ...opts.throttle })
      : new LoginThrottle({ now, ...opts.throttle }),
    publicUrl: opts.publicUrl.replace(/\/+$/, ''),
    contentStorage,
    pinningCertsFile: opts.pinningCertsFile,
    routes,
    probe: opts.probe,
    keysChanged: async () => {
      await opts.onKeysChanged?.();
    },
  });
}

/**
 * The admin API plugin: one encapsulated scope (no decorators leak to the instance it is
 * registered on; Fastify's onRequest hooks of that instance, such as the host check, still run
 * first for every admin route).
 * @example await app.register(adminPlugin, { store, secret, publicUrl, contentRoot })
 */
export const adminPlugin: FastifyPluginAsync<AdminOptions> = Object.assign(adminPluginImpl, {
  [Symbol.for('fastify.display-name')]: 'portcullis-admin',
});

/** Options of a standalone admin app. */
export interface BuildAdminAppOptions extends AdminOptions {
  logger?: FastifyBaseLogger | boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every admin API route (set by buildAdminApp; the authorization test walks it). */
    adminRoutes: RouteEntry[];
  }
}

/**
 * Builds a standalone Fastify instance with the admin API (tests use `inject()` on it). Its
 * root answers errors with problem+json too, and carries the read-only route list.
 */
export async function buildAdminApp(opts: BuildAdminAppOptions): Promise<FastifyInstance> {
  const { logger, ...rest } = opts;
  const app = Fastify({
    bodyLimit: JSON_BODY_LIMIT,
    ...(logger && typeof logger === 'object'
      ? { loggerInstance: logger }
      : { logger: logger === true }),
    trustProxy: false,
  }) as unknown as FastifyInstance;
  const routes = rest.routeLog ?? [];
  app.decorate('adminRoutes', routes);
  installErrorHandler(app);
  await app.register(adminPlugin, { ...rest, routeLog: routes });
  return app;
}
