/**
 * The admin listener: a Fastify 5 instance on its own (loopback by default) address with
 * `/metrics`, `/healthz`, and whatever AdminExtensions register (the admin API, the console).
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { SERVE_ERRORS } from '../server/errors.js';
import { formatHost } from '../server/format-host.js';
import { hostChecker, requestAuthority } from '../server/host-check.js';
import { listenFailure } from '../server/start-errors.js';
import type { AdminContext, AdminExtension } from '../server/types.js';

/** What the admin listener needs. */
export interface AdminListenerOptions {
  host: string;
  port: number;
  logger: Logger;
  context: AdminContext;
  extensions: AdminExtension[];
  /** Extra Host names answered to (`--admin-allowed-hosts`); see hostChecker. */
  allowedHosts?: readonly string[];
  /** Prometheus text and its content type (aggregated across workers in cluster mode). */
  metrics: () => Promise<{ contentType: string; body: string }>;
}

/** Builds, registers and starts the admin listener; resolves to the instance and its URL. */
export async function startAdminListener(
  opts: AdminListenerOptions,
): Promise<{ app: FastifyInstance; url: string }> {
  // Loaded here, not at the top: cluster workers and `--no-admin` never pay for Fastify's memory.
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false, trustProxy: false, bodyLimit: 64 * 1024 * 1024 });
  // First hook, before any route: a request naming an unknown Host (DNS rebinding) reaches
  // nothing — not the API, not the console, not /metrics. Set once the port is known. Two Host
  // headers, or an absolute-form target naming another authority, are refused the same way.
  let hostAllowed: (host: string | undefined) => boolean = () => false;
  app.addHook('onRequest', async (request, reply) => {
    const authority = requestAuthority(request.raw.rawHeaders, request.raw.url);
    if (authority !== null && hostAllowed(authority)) return;
    return reply
      .code(HOST_REFUSAL.status)
      .header('content-type', 'application/problem+json; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(HOST_REFUSAL);
  });
  app.get('/metrics', async (_req, reply) => {
    const m = await opts.metrics();
    return reply
      .header('content-type', m.contentType)
      .header('cache-control', 'no-store')
      .send(m.body);
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  try {
    for (const ext of opts.extensions) await ext.register(app, opts.context);
    await app.ready();
  } catch (err) {
    await app.close().catch(() => {});
    throw err;
  }
  try {
    await app.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    // Close what the extensions opened (onClose hooks), so a failed start leaves nothing running.
    await app.close().catch(() => {});
    throw listenFailure(err, 'admin', opts.host, opts.port);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  hostAllowed = hostChecker(opts.host, port, opts.allowedHosts ?? []);
  const url = `http://${formatHost(opts.host)}:${port}`;
  opts.logger.info({ url }, 'admin listener ready');
  return { app, url };
}

/** The one answer to a Host the admin listener does not serve; it names nothing configured. */
const HOST_REFUSAL = Object.freeze({
  type: 'urn:portcullis:problem:host-not-allowed',
  title: SERVE_ERRORS.HOST_NOT_ALLOWED.message,
  status: SERVE_ERRORS.HOST_NOT_ALLOWED.status,
  detail: SERVE_ERRORS.HOST_NOT_ALLOWED.message,
  code: 'HOST_NOT_ALLOWED',
});
