/**
 * What a JWT configuration hands out: its self-signed certificate, public key and JWK (read-only
 * callers may download them), and signed download URLs (only callers the signer lets mint).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { configurationView } from '../configuration-material.js';
import { AdminError } from '../errors.js';
import { IdParams, SignedUrlBody, SignedUrlView } from '../schemas.js';
import { contentUrl, listenerPathOf } from './configuration-forms.js';
import {
  BASE,
  type ConfigurationRoutesOptions,
  configurationOr404,
  fileStem,
  TAGS,
} from './configuration-shared.js';

/** Registers the certificate, public-key, jwk and signed-urls routes of a configuration. */
export const configurationDownloadRoutes: FastifyPluginAsyncZod<
  ConfigurationRoutesOptions
> = async (app, deps) => {
  const { store, signer, publicUrl } = deps;
  const read = { preHandler: deps.guards.requireRole('read-only') };
  const pemFile = (name: string, suffix: string) =>
    `attachment; filename="${fileStem(name)}.${suffix}.pem"`;

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
      const record = await configurationOr404(store, request.params.id);
      const pem = record.certificatePem ?? null;
      if (!pem) throw new AdminError('NOT_FOUND', 'This configuration has no certificate.');
      return reply
        .type('application/x-pem-file')
        .header('content-disposition', pemFile(record.displayName, 'crt'))
        .send(pem);
    },
  );

  app.get(
    `${BASE}/:id/public-key`,
    { ...read, schema: { summary: 'Download the public key (PEM)', tags: TAGS, params: IdParams } },
    async (request, reply) => {
      const record = await configurationOr404(store, request.params.id);
      return reply
        .type('application/x-pem-file')
        .header('content-disposition', pemFile(record.displayName, 'pub'))
        .send(record.publicKeyPem);
    },
  );

  app.get(
    `${BASE}/:id/jwk`,
    { ...read, schema: { summary: 'The public key as a JWK', tags: TAGS, params: IdParams } },
    async (request, reply) => {
      const record = await configurationOr404(store, request.params.id);
      return reply
        .type('application/jwk+json')
        .send(JSON.stringify(configurationView(record, null).jwk));
    },
  );

  app.post(
    `${BASE}/:id/signed-urls`,
    {
      preHandler: deps.guards.requireSigning,
      schema: {
        summary: 'Sign a download URL (or a content path under the public URL)',
        tags: TAGS,
        params: IdParams,
        body: SignedUrlBody,
        response: { 200: SignedUrlView },
      },
    },
    async (request) => {
      const { body } = request;
      const minter = signer.minterFor(request.principal);
      const target = 'url' in body ? body.url : contentUrl(publicUrl, body.path);
      const field = 'url' in body ? 'url' : 'path';
      // The signer records the token (who, path, expiry, fingerprint) in the change log.
      return minter.signUrl({
        configurationId: request.params.id,
        url: target,
        path: listenerPathOf(target, publicUrl, field),
        purpose: 'signed-url',
      });
    },
  );
};
