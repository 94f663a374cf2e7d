/**
 * Registers the admin route plugins, each encapsulated and each given only what it uses: the
 * signer (the one path to a configuration's private key) goes to the plugins that mint —
 * configurations, content and tools (manifest links get it only to ask who may create one) — and the store secret to none of them; plugins that must
 * encrypt get a seal function for their own kind of secret instead.
 */

import type { FastifyInstance } from 'fastify';
import type { ContentStorage } from '../../contracts/content-storage.js';
import type { ProbeRunner } from '../../contracts/probe-runner.js';
import { linkTokenKey } from '../../store/link-token.js';
import { decryptSecret, encryptSecret } from '../../store/secret.js';
import type { ExternalJwtVerifier } from '../auth/external.js';
import type { SessionKey } from '../auth/session-tokens.js';
import type { SignInThrottle } from '../auth/throttle-policy.js';
import { keyColumns } from '../configuration-material.js';
import type { ConfigurationSigner } from '../configuration-signer.js';
import { consoleRoutes } from '../console-route.js';
import { JSON_BODY_LIMIT } from '../limits.js';
import type { RouteEntry } from '../openapi.js';
import type { RouteDeps } from '../route-deps.js';
import { accountRoutes } from './accounts.js';
import { auditRoutes } from './audit.js';
import { authRoutes } from './auth.js';
import { configurationRoutes } from './configurations.js';
import { contentRoutes } from './content.js';
import { declarationRoutes } from './declarations.js';
import { jwtServerTestRoutes } from './jwt-server-test.js';
import { jwtServerRoutes } from './jwt-servers.js';
import { manifestLinkRoutes } from './manifest-links.js';
import { openApiRoute } from './openapi-route.js';
import { toolsRoutes } from './tools.js';

/** Everything the admin plugin built for its routes (held only in its closure). */
export interface AdminWiring {
  base: RouteDeps;
  secret: Uint8Array;
  signer: ConfigurationSigner;
  external: ExternalJwtVerifier;
  sessionKey: () => Promise<SessionKey>;
  throttle: SignInThrottle;
  publicUrl: string;
  contentStorage: ContentStorage;
  /** PEM chain InstallEnterpriseApplication pins (`--pinning-certs`, else `--tls-cert`). */
  pinningCertsFile?: string | undefined;
  routes: RouteEntry[];
  keysChanged: () => Promise<void>;
  /** The distribution-point probe, injected (admin sits beside src/probe). */
  probe: ProbeRunner;
}

/** Limits a scope to JSON bodies of at most JSON_BODY_LIMIT (and multipart where declared). */
function jsonOnly(app: FastifyInstance): void {
  // The host listener may allow large bodies (content uploads); these JSON routes never need more.
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= JSON_BODY_LIMIT;
  });
  // A text/plain body is a client mistake, say so (415).
  app.removeContentTypeParser('text/plain');
}

/** Registers every admin route plugin on the admin plugin's scope. */
export async function registerAdminRoutes(app: FastifyInstance, w: AdminWiring): Promise<void> {
  const { base, secret, signer, publicUrl } = w;
  await app.register(async (api) => {
    jsonOnly(api);
    await api.register(openApiRoute, { routes: w.routes });
    await api.register(authRoutes, { ...base, throttle: w.throttle, sessionKey: w.sessionKey });
    await api.register(accountRoutes, base);
    await api.register(configurationRoutes, {
      ...base,
      signer,
      publicUrl,
      keysChanged: w.keysChanged,
      sealKey: (id, displayName, privateKey) => keyColumns(id, displayName, privateKey, secret),
    });
    await api.register(jwtServerRoutes, {
      ...base,
      sealSharedSecret: (id, value) => encryptSecret(secret, value, `jwt-server:${id}`),
      forgetServer: (id) => w.external.forget(id),
    });
    await api.register(jwtServerTestRoutes, {
      ...base,
      external: w.external,
      sharedSecretReadable: (server) => {
        try {
          decryptSecret(secret, server.sharedSecretCiphertext ?? '', `jwt-server:${server.id}`);
          return true;
        } catch {
          return false;
        }
      },
    });
    await api.register(auditRoutes, base);
    // Only the derived link key, never the store secret.
    const linkKey = linkTokenKey(secret);
    await api.register(manifestLinkRoutes, { ...base, signer, linkKey, publicUrl });
    // Declarations carry manifest links: the same derived key, never the store secret.
    await api.register(declarationRoutes, { ...base, signer, linkKey, publicUrl });
  });
  await app.register(toolsRoutes, { ...base, signer, publicUrl, probe: w.probe });
  await app.register(consoleRoutes);
  await app.register(contentRoutes, {
    ...base,
    signer,
    publicUrl,
    contentStorage: w.contentStorage,
    pinningCertsFile: w.pinningCertsFile,
  });
}
