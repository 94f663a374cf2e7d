/**
 * JWT configurations: the RSA keys Jamf Pro signs download tokens with. Create (JSON or an
 * uploaded key file), list, read, patch, rotate, delete, certificate/JWK downloads, signed URLs.
 * All key work happens before the single store transaction, so a refusal leaves no row behind.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseDuration } from '../../token/duration.js';
import { configurationView, keyColumns, privateKeyFrom } from '../configuration-material.js';
import { duplicateKeyWarnings } from '../duplicate-key.js';
import { AdminError } from '../errors.js';
import {
  ConfigurationView,
  CreateConfigurationBody,
  IdParams,
  PatchConfigurationBody,
  RotateBody,
  SignedUrlBody,
  SignedUrlView,
  TOKEN_EXPIRY_BOUNDS,
  TOKEN_EXPIRY_PRESETS,
} from '../schemas.js';
import { acceptsMultipart } from '../validation.js';
import { contentUrl, createInput, listenerPathOf, rotateInput } from './configuration-forms.js';

const BASE = '/api/v1/jwt-configurations';
const TAGS = ['configurations'];

async function getOr404(app: FastifyInstance, id: string) {
  const record = await app.store.configurations.get(id);
  if (!record) throw new AdminError('NOT_FOUND', 'No JWT configuration with this id.');
  return record;
}

/** Registers the /api/v1/jwt-configurations routes. */
export async function configurationRoutes(app: FastifyInstance): Promise<void> {
  const { secret, signer, keysChanged } = app.adminServices;
  const read = { preHandler: app.requireRole('read-only') };
  const write = { preHandler: app.requireRole('admin') };

  app.get(
    `${BASE}/presets`,
    { ...read, schema: { summary: 'Token lifetime presets and bounds', tags: TAGS } },
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
        response: { 200: z.object({ items: z.array(ConfigurationView) }) },
      },
    },
    async () => ({
      items: (await app.store.configurations.list()).map(configurationView),
    }),
  );

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
      const input = await createInput(request);
      const id = randomUUID();
      const columns = await keyColumns(
        id,
        input.displayName,
        await privateKeyFrom(input.key),
        secret,
      );
      const record = await app.store.transaction(async () => {
        const created = await app.store.configurations.create({
          id,
          displayName: input.displayName,
          ...columns,
          tokenExpirySeconds: input.tokenExpirySeconds,
          enabled: input.enabled,
          createdBy: request.principal?.username ?? null,
        });
        await app.recordChange(request, 'configuration.create', 'configuration', id, {
          displayName: created.displayName,
          fingerprint: created.fingerprint,
          tokenExpirySeconds: created.tokenExpirySeconds,
          enabled: created.enabled,
          keySource: 'generate' in input.key ? 'generated' : 'uploaded',
        });
        return created;
      });
      await keysChanged();
      const warned = await duplicateKeyWarnings(app.store, request, id, record.fingerprint);
      return reply
        .code(201)
        .header('location', `${BASE}/${id}`)
        .send({ ...configurationView(record), ...warned });
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
    async (request) => {
      const { id } = request.params as z.infer<typeof IdParams>;
      return configurationView(await getOr404(app, id));
    },
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
      const { id } = request.params as z.infer<typeof IdParams>;
      const body = request.body as z.infer<typeof PatchConfigurationBody>;
      const patch = {
        ...(body.displayName === undefined ? {} : { displayName: body.displayName }),
        ...(body.tokenExpiry === undefined ? {} : { tokenExpirySeconds: body.tokenExpiry }),
        ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
      };
      const record = await app.store.transaction(async () => {
        const updated = await app.store.configurations.update(id, patch);
        if (!updated) throw new AdminError('NOT_FOUND', 'No JWT configuration with this id.');
        await app.recordChange(request, 'configuration.update', 'configuration', id, patch);
        return updated;
      });
      await keysChanged();
      return configurationView(record);
    },
  );

  app.delete(
    `${BASE}/:id`,
    { ...write, schema: { summary: 'Delete a JWT configuration', tags: TAGS, params: IdParams } },
    async (request, reply) => {
      const { id } = request.params as z.infer<typeof IdParams>;
      await app.store.transaction(async () => {
        const existing = await getOr404(app, id);
        await app.store.configurations.delete(id);
        await app.recordChange(request, 'configuration.delete', 'configuration', id, {
          displayName: existing.displayName,
          fingerprint: existing.fingerprint,
        });
      });
      signer.forget(id);
      await keysChanged();
      return reply.code(204).send();
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
      const { id } = request.params as z.infer<typeof IdParams>;
      const current = await getOr404(app, id);
      const keyInput = await rotateInput(request);
      const columns = await keyColumns(
        id,
        current.displayName,
        await privateKeyFrom(keyInput),
        secret,
      );
      const record = await app.store.transaction(async () => {
        const previous = await getOr404(app, id);
        const updated = await app.store.configurations.update(id, {
          ...columns,
          rotatedAt: new Date(app.adminServices.now()).toISOString(),
        });
        if (!updated) throw new AdminError('NOT_FOUND', 'No JWT configuration with this id.');
        await app.recordChange(request, 'configuration.rotate', 'configuration', id, {
          previousFingerprint: previous.fingerprint,
          fingerprint: updated.fingerprint,
        });
        return updated;
      });
      signer.forget(id);
      await keysChanged();
      const warned = await duplicateKeyWarnings(app.store, request, id, record.fingerprint);
      return { ...configurationView(record), ...warned };
    },
  );

  app.get(
    `${BASE}/:id/certificate`,
    {
      ...read,
      schema: {
        summary: 'Download the self-signed certificate (PEM)',
        tags: TAGS,
        params: IdParams,
      },
    },
    async (request, reply) => {
      const { id } = request.params as z.infer<typeof IdParams>;
      const record = await getOr404(app, id);
      const pem = record.certificatePem ?? null;
      if (!pem) throw new AdminError('NOT_FOUND', 'This configuration has no certificate.');
      return reply
        .type('application/x-pem-file')
        .header(
          'content-disposition',
          `attachment; filename="${fileStem(record.displayName)}.crt.pem"`,
        )
        .send(pem);
    },
  );

  app.get(
    `${BASE}/:id/public-key`,
    { ...read, schema: { summary: 'Download the public key (PEM)', tags: TAGS, params: IdParams } },
    async (request, reply) => {
      const { id } = request.params as z.infer<typeof IdParams>;
      const record = await getOr404(app, id);
      return reply
        .type('application/x-pem-file')
        .header(
          'content-disposition',
          `attachment; filename="${fileStem(record.displayName)}.pub.pem"`,
        )
        .send(record.publicKeyPem);
    },
  );

  app.get(
    `${BASE}/:id/jwk`,
    { ...read, schema: { summary: 'The public key as a JWK', tags: TAGS, params: IdParams } },
    async (request, reply) => {
      const { id } = request.params as z.infer<typeof IdParams>;
      return reply
        .type('application/jwk+json')
        .send(JSON.stringify(configurationView(await getOr404(app, id)).jwk));
    },
  );

  app.post(
    `${BASE}/:id/signed-urls`,
    {
      preHandler: app.requireSigning,
      schema: {
        summary: 'Sign a download URL (or a content path under the public URL)',
        tags: TAGS,
        params: IdParams,
        body: SignedUrlBody,
        response: { 200: SignedUrlView },
      },
    },
    async (request) => {
      const { id } = request.params as z.infer<typeof IdParams>;
      const body = request.body as z.infer<typeof SignedUrlBody>;
      const minter = signer.minterFor(request.principal);
      const target = 'url' in body ? body.url : contentUrl(app.publicUrl, body.path);
      const field = 'url' in body ? 'url' : 'path';
      // The signer records the token (who, path, expiry, fingerprint) in the change log.
      return minter.signUrl({
        configurationId: id,
        url: target,
        path: listenerPathOf(target, app.publicUrl, field),
        purpose: 'signed-url',
      });
    },
  );
}

/** A filename stem safe for Content-Disposition (ASCII letters, digits, dash). */
function fileStem(name: string): string {
  const stem = name
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return stem || 'configuration';
}
