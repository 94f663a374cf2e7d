/**
 * External JWT servers ("API access with JWT"): which issuers may call the admin API with their
 * own tokens, how to verify them (JWKS URL or HS256 shared secret), the audience they must carry,
 * the claims they must carry, how long their tokens may live, and the role they get. Admin only;
 * shared secrets are stored encrypted and never returned. A multi-tenant issuer (GitHub Actions,
 * GitLab.com, Google, Microsoft common) is refused without a required claim pinning the tenant;
 * role admin without required claims is allowed but answered with a warning.
 * JWKS URLs are admin-configured only, which is the SSRF boundary (see docs/api-access.md).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { JwtServerRecord } from '../../store/types.js';
import { AdminError } from '../errors.js';
import type { RouteDeps } from '../route-deps.js';
import {
  CreateJwtServerBody,
  IdParams,
  JwtServerView,
  listOf,
  PatchJwtServerBody,
} from '../schemas.js';
import { auditable, checkPolicy, jwtServerView } from './jwt-server-view.js';

export { jwtServerView } from './jwt-server-view.js';

const BASE = '/api/v1/jwt-servers';
const TAGS = ['jwt-servers'];

/** Options of {@link jwtServerRoutes}: the route deps plus the two secret-handling capabilities. */
export interface JwtServerRoutesOptions extends RouteDeps {
  /** Encrypts a shared secret for the server `id` (it cannot decrypt anything). */
  sealSharedSecret(id: string, value: string): string;
  /** Drops the verifier's cached keys of the server `id` after a change. */
  forgetServer(id: string): void;
}

/** Registers /api/v1/jwt-servers routes. */
export const jwtServerRoutes: FastifyPluginAsyncZod<JwtServerRoutesOptions> = async (app, deps) => {
  const { store, recordChange, forgetServer } = deps;
  const seal = deps.sealSharedSecret;
  const admin = { preHandler: deps.guards.requireRole('admin') };
  const get = async (id: string) => {
    const server = await store.jwtServers.get(id);
    if (!server) throw new AdminError('NOT_FOUND', 'No JWT server with this id.');
    return server;
  };

  app.get(
    BASE,
    {
      ...admin,
      schema: {
        summary: 'List external JWT servers',
        tags: TAGS,
        response: { 200: listOf(JwtServerView) },
      },
    },
    async () => ({
      items: (await store.jwtServers.list()).map(jwtServerView),
    }),
  );

  app.post(
    BASE,
    {
      ...admin,
      schema: {
        summary: 'Trust an external JWT issuer',
        tags: TAGS,
        body: CreateJwtServerBody,
        response: { 201: JwtServerView },
      },
    },
    async (request, reply) => {
      const { body } = request;
      checkPolicy(body);
      const id = randomUUID();
      const created = await store.transaction(async () => {
        const server = await store.jwtServers.create({
          id,
          name: body.name,
          issuer: body.issuer,
          jwksUrl: body.jwksUrl ?? null,
          sharedSecretCiphertext:
            body.sharedSecret === undefined ? null : seal(id, body.sharedSecret),
          audience: body.audience,
          role: body.role,
          usernameClaim: body.usernameClaim,
          requiredClaims: body.requiredClaims,
          maxTokenLifetimeSeconds: body.maxTokenLifetimeSeconds,
          enabled: body.enabled,
        });
        await recordChange(request, 'jwt-server.create', 'jwt-server', id, auditable(body));
        return server;
      });
      return reply.code(201).header('location', `${BASE}/${id}`).send(jwtServerView(created));
    },
  );

  app.get(
    `${BASE}/:id`,
    {
      ...admin,
      schema: {
        summary: 'Read a JWT server',
        tags: TAGS,
        params: IdParams,
        response: { 200: JwtServerView },
      },
    },
    async (request) => jwtServerView(await get(request.params.id)),
  );

  app.patch(
    `${BASE}/:id`,
    {
      ...admin,
      schema: {
        summary: 'Change a JWT server',
        tags: TAGS,
        params: IdParams,
        body: PatchJwtServerBody,
        response: { 200: JwtServerView },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { body } = request;
      const { sharedSecret, jwksUrl, ...plain } = body;
      const patch: Partial<JwtServerRecord> = { ...plain };
      // Switching verification method clears the other one, so exactly one stays configured.
      if (jwksUrl !== undefined) Object.assign(patch, { jwksUrl, sharedSecretCiphertext: null });
      if (sharedSecret !== undefined)
        Object.assign(patch, { jwksUrl: null, sharedSecretCiphertext: seal(id, sharedSecret) });
      const updated = await store.transaction(async () => {
        checkPolicy({ ...(await get(id)), ...patch });
        const result = await store.jwtServers.update(id, patch);
        if (!result) throw new AdminError('NOT_FOUND', 'No JWT server with this id.');
        await recordChange(request, 'jwt-server.update', 'jwt-server', id, auditable(body));
        return result;
      });
      forgetServer(id);
      return jwtServerView(updated);
    },
  );

  app.delete(
    `${BASE}/:id`,
    { ...admin, schema: { summary: 'Stop trusting a JWT server', tags: TAGS, params: IdParams } },
    async (request, reply) => {
      const { id } = request.params;
      await store.transaction(async () => {
        const server = await get(id);
        await store.jwtServers.delete(id);
        await recordChange(request, 'jwt-server.delete', 'jwt-server', id, {
          name: server.name,
          issuer: server.issuer,
        });
      });
      forgetServer(id);
      return reply.code(204).send();
    },
  );
};
