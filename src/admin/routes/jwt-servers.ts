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
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { encryptSecret } from '../../store/secret.js';
import type { JwtServerRecord } from '../../store/types.js';
import { policyRefusal, policyWarnings } from '../auth/jwt-server-policy.js';
import { AdminError } from '../errors.js';
import { CreateJwtServerBody, IdParams, JwtServerView, PatchJwtServerBody } from '../schemas.js';

const BASE = '/api/v1/jwt-servers';
const TAGS = ['jwt-servers'];

/** The API view of a JWT server (never the shared secret). */
export function jwtServerView(s: JwtServerRecord): z.infer<typeof JwtServerView> {
  return {
    id: s.id,
    name: s.name,
    issuer: s.issuer,
    jwksUrl: s.jwksUrl,
    hasSharedSecret: s.sharedSecretCiphertext !== null,
    audience: s.audience,
    role: s.role,
    usernameClaim: s.usernameClaim,
    requiredClaims: s.requiredClaims,
    maxTokenLifetimeSeconds: s.maxTokenLifetimeSeconds,
    enabled: s.enabled,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    warnings: policyWarnings(s),
  };
}

/** Refuses (400) an entry that would trust every tenant of a shared issuer. */
function checkPolicy(server: Pick<JwtServerRecord, 'issuer' | 'role' | 'requiredClaims'>): void {
  const refusal = policyRefusal(server);
  if (refusal) {
    throw new AdminError('VALIDATION_FAILED', refusal, {
      extra: { errors: [{ path: ['requiredClaims'], message: refusal }] },
    });
  }
}

function auditable(v: Record<string, unknown>): Record<string, unknown> {
  const { sharedSecret, ...rest } = v;
  return sharedSecret === undefined ? rest : { ...rest, sharedSecret: '[set]' };
}

/** Registers /api/v1/jwt-servers routes. */
export async function jwtServerRoutes(app: FastifyInstance): Promise<void> {
  const { secret, external } = app.adminServices;
  const admin = { preHandler: app.requireRole('admin') };
  const get = async (id: string) => {
    const server = await app.store.jwtServers.get(id);
    if (!server) throw new AdminError('NOT_FOUND', 'No JWT server with this id.');
    return server;
  };
  const seal = (id: string, value: string) => encryptSecret(secret, value, `jwt-server:${id}`);

  app.get(
    BASE,
    {
      ...admin,
      schema: {
        summary: 'List external JWT servers',
        tags: TAGS,
        response: { 200: z.object({ items: z.array(JwtServerView) }) },
      },
    },
    async () => ({
      items: (await app.store.jwtServers.list()).map(jwtServerView),
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
      const body = request.body as z.infer<typeof CreateJwtServerBody>;
      checkPolicy(body);
      const id = randomUUID();
      const created = await app.store.transaction(async () => {
        const server = await app.store.jwtServers.create({
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
        await app.recordChange(request, 'jwt-server.create', 'jwt-server', id, auditable(body));
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
    async (request) => jwtServerView(await get((request.params as z.infer<typeof IdParams>).id)),
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
      const { id } = request.params as z.infer<typeof IdParams>;
      const body = request.body as z.infer<typeof PatchJwtServerBody>;
      const { sharedSecret, jwksUrl, ...plain } = body;
      const patch: Partial<JwtServerRecord> = { ...plain };
      // Switching verification method clears the other one, so exactly one stays configured.
      if (jwksUrl !== undefined) Object.assign(patch, { jwksUrl, sharedSecretCiphertext: null });
      if (sharedSecret !== undefined)
        Object.assign(patch, { jwksUrl: null, sharedSecretCiphertext: seal(id, sharedSecret) });
      const updated = await app.store.transaction(async () => {
        checkPolicy({ ...(await get(id)), ...patch });
        const result = await app.store.jwtServers.update(id, patch);
        if (!result) throw new AdminError('NOT_FOUND', 'No JWT server with this id.');
        await app.recordChange(request, 'jwt-server.update', 'jwt-server', id, auditable(body));
        return result;
      });
      external.forget(id);
      return jwtServerView(updated);
    },
  );

  app.delete(
    `${BASE}/:id`,
    { ...admin, schema: { summary: 'Stop trusting a JWT server', tags: TAGS, params: IdParams } },
    async (request, reply) => {
      const { id } = request.params as z.infer<typeof IdParams>;
      await app.store.transaction(async () => {
        const server = await get(id);
        await app.store.jwtServers.delete(id);
        await app.recordChange(request, 'jwt-server.delete', 'jwt-server', id, {
          name: server.name,
          issuer: server.issuer,
        });
      });
      external.forget(id);
      return reply.code(204).send();
    },
  );
}
