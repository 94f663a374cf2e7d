/**
 * Creating a JWT configuration and rotating its key, from JSON or a multipart upload of a key
 * file (configuration-forms.ts). The key is read (or generated) and sealed before the store
 * transaction, so a refused key leaves no row behind.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { privateKeyFrom } from '../configuration-material.js';
import { duplicateKeyWarnings } from '../duplicate-key.js';
import { AdminError } from '../errors.js';
import { ConfigurationView, CreateConfigurationBody, IdParams, RotateBody } from '../schemas.js';
import { acceptsMultipart } from '../validation.js';
import { createInput, rotateInput } from './configuration-forms.js';
import {
  BASE,
  type ConfigurationRoutesOptions,
  configurationOr404,
  TAGS,
  viewOf,
} from './configuration-shared.js';

/** Registers POST /api/v1/jwt-configurations and POST …/:id/rotate. */
export const configurationKeyRoutes: FastifyPluginAsyncZod<ConfigurationRoutesOptions> = async (
  app,
  deps,
) => {
  const { store, signer, keysChanged, recordChange, sealKey } = deps;
  const write = { preHandler: deps.guards.requireRole('admin') };

  app.post(
    BASE,
    {
      ...write,
      schema: {
        summary: 'Create a JWT configuration (JSON, or multipart/form-data with a `key` file)',
        tags: TAGS,
        multipart: true,
        body: acceptsMultipart(CreateConfigurationBody),
        response: { 201: ConfigurationView },
      },
    },
    async (request, reply) => {
      const input = await createInput(request, request.body);
      const id = randomUUID();
      const columns = await sealKey(id, input.displayName, await privateKeyFrom(input.key));
      const record = await store.transaction(async () => {
        const created = await store.configurations.create({
          id,
          displayName: input.displayName,
          ...columns,
          tokenExpirySeconds: input.tokenExpirySeconds,
          enabled: input.enabled,
          createdBy: request.principal?.username ?? null,
        });
        await recordChange(request, 'configuration.create', 'configuration', id, {
          displayName: created.displayName,
          fingerprint: created.fingerprint,
          tokenExpirySeconds: created.tokenExpirySeconds,
          enabled: created.enabled,
          keySource: 'generate' in input.key ? 'generated' : 'uploaded',
        });
        return created;
      });
      await keysChanged();
      const warned = await duplicateKeyWarnings(store, request, id, record.fingerprint);
      return reply
        .code(201)
        .header('location', `${BASE}/${id}`)
        .send({ ...(await viewOf(store, record)), ...warned });
    },
  );

  app.post(
    `${BASE}/:id/rotate`,
    {
      ...write,
      schema: {
        summary: 'Replace the key (uploaded or generated); the old key stops verifying at once',
        tags: TAGS,
        params: IdParams,
        multipart: true,
        body: acceptsMultipart(RotateBody),
        response: { 200: ConfigurationView },
      },
    },
    async (request) => {
      const { id } = request.params;
      const current = await configurationOr404(store, id);
      const keyInput = await rotateInput(request, request.body);
      const columns = await sealKey(id, current.displayName, await privateKeyFrom(keyInput));
      const record = await store.transaction(async () => {
        const previous = await configurationOr404(store, id);
        const updated = await store.configurations.update(id, {
          ...columns,
          rotatedAt: new Date(deps.now()).toISOString(),
        });
        if (!updated) throw new AdminError('NOT_FOUND', 'No JWT configuration with this id.');
        await recordChange(request, 'configuration.rotate', 'configuration', id, {
          previousFingerprint: previous.fingerprint,
          fingerprint: updated.fingerprint,
        });
        return updated;
      });
      signer.forget(id);
      await keysChanged();
      const warned = await duplicateKeyWarnings(store, request, id, record.fingerprint);
      return { ...(await viewOf(store, record)), ...warned };
    },
  );
};
