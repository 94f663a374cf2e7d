/**
 * The admin API as a Fastify plugin. `adminPlugin` decorates the instance it is registered on
 * (it skips encapsulation on purpose) with what the route files share — the store, the
 * authenticator and role guards, the signer, problem+json replies and the change log — and
 * installs the single error/not-found handler. `buildAdminApp` makes a standalone instance
 * (tests, `fastify.inject()`); `adminExtension` plugs the same plugin into `startServer`.
 */
import multipart from '@fastify/multipart';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
  type preHandlerAsyncHookHandler,
  type RouteOptions,
} from 'fastify';
import type { ProbeRunner } from '../contracts/probe-runner.js';
import type { AccountRole, Store } from '../store/types.js';
import { actorOf } from './actor.js';
import { authenticateRequest, type Principal } from './auth/authenticate.js';
import { ExternalJwtVerifier, type RemoteJwksOptions } from './auth/external.js';
import { loadOrCreateSessionKey, type SessionKey } from './auth/session-tokens.js';
import { LoginThrottle, type ThrottleOptions } from './auth/throttle.js';
import { ConfigurationSigner } from './configuration-signer.js';
import { consoleRoutes } from './console-route.js';
import { AdminError } from './errors.js';
import { JSON_BODY_LIMIT, KEY_FILE_LIMIT } from './limits.js';
import { collectRoutes } from './openapi.js';
import { installProblemHandlers, sendProblem } from './problem.js';
import { redactDetails } from './redact.js';
import { contentRoutes } from './routes/content.js';
import { registerAdminRoutes } from './routes/index.js';
import { toolsRoutes } from './routes/tools.js';
import { useZodValidation } from './validation.js';

export type { Principal } from './auth/authenticate.js';

/** Options of the admin plugin. */
export interface AdminOptions {
  store: Store;
  /** The store secret (from loadOrCreateSecret): decrypts configuration keys and settings. */
  secret: Uint8Array;
  /** Public base URL of the content listener, e.g. `https://dist.example.com`. */
  publicUrl: string;
  /** Content root directory (for the catalog routes). */
  contentRoot: string;
  /** Clock in epoch ms (tests freeze it). */
  now?: () => number;
  jwks?: RemoteJwksOptions;
  throttle?: ThrottleOptions;
  /** Called after a configuration changes so the content listener reloads keys without polling. */
  onKeysChanged?: () => Promise<void> | void;
  /** The distribution-point probe (src/probe, handed in by src/app: admin does not import it). */
  probe: ProbeRunner;
}

/** Internal services shared by the route files (not part of the cross-area contract). */
export interface AdminServices {
  secret: Uint8Array;
  now: () => number;
  sessionKey: () => Promise<SessionKey>;
  external: ExternalJwtVerifier;
  throttle: LoginThrottle;
  signer: ConfigurationSigner;
  /** The distribution-point probe, injected (admin sits beside src/probe). */
  probe: ProbeRunner;
  keysChanged: () => Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
    /** Route guard (runs before validation): requires a valid bearer token; sets `request.principal`. */
    authenticate: preHandlerAsyncHookHandler;
    /** Route guard: authenticates, then requires `role` (read-only accounts may only GET/HEAD). */
    requireRole(role: AccountRole): preHandlerAsyncHookHandler;
    /**
     * Route guard: authenticates, then asks the signer whether the caller may mint download tokens
     * (SIGNING_FORBIDDEN otherwise). The signer decides; this only refuses before validation.
     */
    requireSigning: preHandlerAsyncHookHandler;
    publicUrl: string;
    contentRoot: string;
    problem(
      reply: FastifyReply,
      status: number,
      code: string,
      detail: string,
      extra?: Record<string, unknown>,
    ): FastifyReply;
    recordChange(
      request: FastifyRequest,
      action: string,
      targetType: string,
      targetId: string | null,
      details?: Record<string, unknown>,
    ): Promise<void>;
    adminServices: AdminServices;
  }
  interface FastifyRequest {
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

function decorateServices(app: FastifyInstance, opts: AdminOptions): AdminServices {
  const now = opts.now ?? Date.now;
  const services: AdminServices = {
    secret: opts.secret,
    now,
    sessionKey: memoize(() => loadOrCreateSessionKey(opts.store, opts.secret)),
    external: new ExternalJwtVerifier(opts.secret, opts.jwks),
    throttle: new LoginThrottle({ now, ...opts.throttle }),
    signer: new ConfigurationSigner(opts.store, opts.secret, now, opts.probe),
    probe: opts.probe,
    keysChanged: async () => {
      await opts.onKeysChanged?.();
    },
  };
  app.decorate('adminServices', services);
  return services;
}

function decorateAuth(app: FastifyInstance, store: Store, services: AdminServices): void {
  const deps = {
    store,
    sessionKey: services.sessionKey,
    external: services.external,
    now: services.now,
  };
  const authenticate = async (request: FastifyRequest): Promise<void> => {
    if (request.principal) return;
    const principal = await authenticateRequest(deps, request);
    if (principal.mustChangePassword && !request.routeOptions.config.allowDuringPasswordChange) {
      throw new AdminError('PASSWORD_CHANGE_REQUIRED');
    }
    request.principal = principal;
  };
  app.decorateRequest('principal', null);
  app.decorate('authenticate', authenticate);
  app.decorate('requireRole', (role: AccountRole): preHandlerAsyncHookHandler => {
    return async (request: FastifyRequest) => {
      await authenticate(request);
      const principal = request.principal!;
      const readOnlyCall = request.method === 'GET' || request.method === 'HEAD';
      if ((role === 'admin' || !readOnlyCall) && principal.role !== 'admin') {
        throw new AdminError('FORBIDDEN');
      }
    };
  });
  app.decorate('requireSigning', async (request: FastifyRequest) => {
    await authenticate(request);
    services.signer.minterFor(request.principal);
  });
}

/**
 * Runs every route's guards (its preHandler) before body and query validation, so a caller who
 * may not use a route gets 401/403 and learns nothing about its schema from a 400.
 */
function guardBeforeValidation(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.preHandler) return;
    const list = (hooks: unknown) =>
      hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
    route.preValidation = [
      ...list(route.preValidation),
      ...list(route.preHandler),
    ] as RouteOptions['preValidation'];
    route.preHandler = undefined;
  });
}

function decorateHelpers(app: FastifyInstance, opts: AdminOptions): void {
  app.decorate('store', opts.store);
  app.decorate('publicUrl', opts.publicUrl.replace(/\/+$/, ''));
  app.decorate('contentRoot', opts.contentRoot);
  app.decorate('problem', sendProblem);
  app.decorate(
    'recordChange',
    async (
      request: FastifyRequest,
      action: string,
      targetType: string,
      targetId: string | null,
      details: Record<string, unknown> = {},
    ) => {
      await opts.store.changes.record({
        actor: actorOf(request.principal),
        action,
        targetType,
        targetId,
        details: redactDetails(details),
      });
    },
  );
}

async function adminPluginImpl(app: FastifyInstance, opts: AdminOptions): Promise<void> {
  if (!opts?.store || !(opts.secret instanceof Uint8Array)) {
    throw new TypeError('adminPlugin needs { store, secret, publicUrl, contentRoot }');
  }
  const services = decorateServices(app, opts);
  decorateHelpers(app, opts);
  decorateAuth(app, opts.store, services);
  useZodValidation(app);
  installProblemHandlers(app);
  collectRoutes(app);
  guardBeforeValidation(app);
  await app.register(multipart, {
    limits: { fileSize: KEY_FILE_LIMIT, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 25 },
  });
  await app.register(registerAdminRoutes as FastifyPluginAsync);
  await app.register(toolsRoutes as FastifyPluginAsync);
  await app.register(consoleRoutes);
  await app.register(contentRoutes);
}

/**
 * The admin API plugin. Registered without encapsulation (like fastify-plugin) so its decorators,
 * validator and problem+json handlers apply to the instance it is registered on.
 * @example await app.register(adminPlugin, { store, secret, publicUrl, contentRoot })
 */
export const adminPlugin: FastifyPluginAsync<AdminOptions> = Object.assign(adminPluginImpl, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'portcullis-admin',
});

/** Options of a standalone admin app. */
export interface BuildAdminAppOptions extends AdminOptions {
  logger?: FastifyBaseLogger | boolean;
}

/** Builds a standalone Fastify instance with the admin API (tests use `inject()` on it). */
export async function buildAdminApp(opts: BuildAdminAppOptions): Promise<FastifyInstance> {
  const { logger, ...rest } = opts;
  const app = Fastify({
    bodyLimit: JSON_BODY_LIMIT,
    ...(logger && typeof logger === 'object'
      ? { loggerInstance: logger }
      : { logger: logger === true }),
    trustProxy: false,
  }) as unknown as FastifyInstance;
  await app.register(adminPlugin, rest);
  return app;
}
