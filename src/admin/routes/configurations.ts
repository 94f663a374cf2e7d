/**
 * JWT configurations: the RSA keys Jamf Pro signs download tokens with. This file: presets,
 * list, read, patch, delete; create and rotate are in configuration-keys.ts, the certificate,
 * public key, JWK and signed URLs in configuration-downloads.ts. All key work happens before the
 * single store transaction, so a refusal leaves no row behind.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { parseDuration } from '../../token/duration.js';
import { configurationView } from '../configuration-material.js';
import { AdminError } from '../errors.js';
import {
  ConfigurationView,
  IdParams,
  listOf,
  PatchConfigurationBody,
  PresetsView,
  TOKEN_EXPIRY_BOUNDS,
  TOKEN_EXPIRY_PRESETS,
} from '../schemas.js';
import { zeroConfigConfigurationId } from '../zero-config-marker.js';
import { configurationDownloadRoutes } from './configuration-downloads.js';
import { configurationKeyRoutes } from './configuration-keys.js';
import {
  BASE,
  type ConfigurationRoutesOptions,
  configurationOr404,
  TAGS,
  viewOf,
} from './configuration-shared.js';

/** Registers the /api/v1/jwt-configurations routes. */
export const configurationRoutes: FastifyPluginAsyncZod<ConfigurationRoutesOptions> = async (
  app,
  deps,
) => {
  const { store, signer, keysChanged, recordChange } = deps;
  const read = { preHandler: deps.guards.requireRole('read-only') };
  const write = { preHandler: deps.guards.requireRole('admin') };

  app.get(
    `${BASE}/presets`,
    {
      ...read,
      schema: {
        summary: 'Token lifetime presets and bounds',
        tags: TAGS,
        response: { 200: PresetsView },
      },
    },
    async () => ({
      presets: TOKEN_EXPIRY_PRESETS.map((p) => ({ label: p, seconds: parseDuration(p) })),
      minSeconds: TOKEN_EXPIRY_BOUNDS.min,
      maxSeconds: TOKEN_EXPIRY_BOUNDS.max,
      default: '15m',
    }),
  );

  app.get(
    BASE,
    {
      ...read,
      schema: {
        summary: 'List JWT configurations',
        tags: TAGS,
        response: { 200: listOf(ConfigurationView) },
      },
    },
    async () => {
      const zeroConfigId = await zeroConfigConfigurationId(store);
      const records = await store.configurations.list();
      return { items: records.map((r) => configurationView(r, zeroConfigId)) };
    },
  );

  app.get(
    `${BASE}/:id`,
    {
      ...read,
      schema: {
        summary: 'Read a JWT configuration',
        tags: TAGS,
        params: IdParams,
        response: { 200: ConfigurationView },
      },
    },
    async (request) => viewOf(store, await configurationOr404(store, request.params.id)),
  );

  app.patch(
    `${BASE}/:id`,
    {
      ...write,
      schema: {
        summary: 'Change name, token lifetime or enabled',
        tags: TAGS,
        params: IdParams,
        body: PatchConfigurationBody,
        response: { 200: ConfigurationView },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { body } = request;
      const patch = {
        ...(body.displayName === undefined ? {} : { displayName: body.displayName }),
        ...(body.tokenExpiry === undefined ? {} : { tokenExpirySeconds: body.tokenExpiry }),
        ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
      };
      const record = await store.transaction(async () => {
        const updated = await store.configurations.update(id, patch);
        if (!updated) throw new AdminError('NOT_FOUND', 'No JWT configuration with this id.');
        await recordChange(request, 'configuration.update', 'configuration', id, patch);
        return updated;
      });
      await keysChanged();
      return viewOf(store, record);
    },
  );

  app.delete(
    `${BASE}/:id`,
    { ...write, schema: { summary: 'Delete a JWT configuration', tags: TAGS, params: IdParams } },
    async (request, reply) => {
      const { id } = request.params;
      await store.transaction(async () => {
        const existing = await configurationOr404(store, id);
        await store.configurations.delete(id);
        await recordChange(request, 'configuration.delete', 'configuration', id, {
          displayName: existing.displayName,
          fingerprint: existing.fingerprint,
        });
      });
      signer.forget(id);
      await keysChanged();
      return reply.code(204).send();
    },
  );

  await app.register(configurationKeyRoutes, deps);
  await app.register(configurationDownloadRoutes, deps);
};
