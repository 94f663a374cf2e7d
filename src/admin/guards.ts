/**
 * The admin API's route guards, built once per admin plugin from its authenticator and signer,
 * and the hook that runs every route's guards before validation.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { AccountRole } from '../store/types.js';
import { type AuthenticatorDeps, authenticateRequest } from './auth/authenticate.js';
import type { ConfigurationSigner } from './configuration-signer.js';
import { AdminError } from './errors.js';
import type { Guards } from './route-deps.js';

/** Builds the guards: authentication, role checks, and the signer's minting permission. */
export function makeGuards(deps: AuthenticatorDeps, signer: ConfigurationSigner): Guards {
  const authenticate = async (request: FastifyRequest): Promise<void> => {
    if (request.principal) return;
    const principal = await authenticateRequest(deps, request);
    if (principal.mustChangePassword && !request.routeOptions.config.allowDuringPasswordChange) {
      throw new AdminError('PASSWORD_CHANGE_REQUIRED');
    }
    request.principal = principal;
  };
  return {
    authenticate,
    requireRole: (role: AccountRole) => async (request: FastifyRequest) => {
      await authenticate(request);
      const principal = request.principal!;
      const readOnlyCall = request.method === 'GET' || request.method === 'HEAD';
      if ((role === 'admin' || !readOnlyCall) && principal.role !== 'admin') {
        throw new AdminError('FORBIDDEN');
      }
    },
    // The signer decides who may mint; this only refuses before validation.
    requireSigning: async (request: FastifyRequest) => {
      await authenticate(request);
      signer.minterFor(request.principal);
    },
  };
}

/**
 * Runs every route's guards (its preHandler) before body and query validation, so a caller who
 * may not use a route gets 401/403 and learns nothing about its schema from a 400. An onRoute
 * hook is inherited by every plugin registered after it in the same scope.
 */
export function guardBeforeValidation(app: FastifyInstance): void {
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
