/**
 * Starts one process's content listener: keys, files or upstream, authenticator, metrics and
 * the node:http(s) server with timeouts suited to multi-gigabyte downloads.
 */

import { constants as cryptoConstants } from 'node:crypto';
import { access, constants } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import type {
  ContentExtensionContext,
  ContentExtensionInput,
} from '../contracts/content-extension.js';
import type { DownloadEvent } from '../contracts/download-event.js';
import type { KeySource } from '../contracts/key-source.js';
import { mayExtensionServe } from '../http/reserved.js';
import { Authenticator } from './auth.js';
import { openBucketRoute } from './bucket-delivery.js';
import { type ClientAuthMaterial, ClientCertGate } from './client-cert.js';
import type { ServeConfig } from './config.js';
import { createContentHandler } from './content.js';
import type { ContentContext } from './context.js';
import { ContentFiles, type FileSystem } from './files.js';
import { formatHost } from './format-host.js';
import type { GraceMemory } from './grace.js';
import { KeyManager } from './listener-verifier.js';
import { droppedLogLines } from './logger.js';
import { ServeMetrics } from './metrics.js';
import { UpstreamProxy } from './proxy.js';
import { listenFailure, rootUnavailable } from './start-errors.js';
import {
  readTlsOptions,
  type TlsReloadStatus,
  tlsReloader,
  tlsReloadStatus,
  warnStale,
} from './tls-reload.js';

/** Inputs of {@link startContentListener}. */
export interface ContentListenerInit {
  config: ServeConfig;
  logger: Logger;
  keySource: KeySource;
  audit: ((event: DownloadEvent) => void) | null;
  grace: GraceMemory | null;
  extensions: ContentExtensionInput[];
  /** Injected disk access (tests). */
  fileSystem?: FileSystem;
  /** Wall clock in ms (tests of expiry and grace). */
  clock?: () => number;
  /**
   * True once every listener of the deployment is up (admin listener, all cluster workers);
   * `/_portcullis/readyz` stays 503 until then. Default: ready as soon as this one listens.
   */
  listenersUp?: () => boolean;
}

/** A running content listener. */
export interface ContentListener {
  server: Server;
  url: string;
  keys: KeyManager;
  metrics: ServeMetrics;
  /**
   * Reads the TLS certificate, key, client CA bundle and CRLs again and uses them for new
   * connections (SIGHUP; file changes do the same by themselves). A broken set leaves the old
   * one in use and rejects with its coded error. Nothing to do without TLS.
   */
  reloadTls(): Promise<void>;
  /** Stops accepting, lets running responses finish for up to `timeoutMs`, then cuts the rest. */
  close(timeoutMs: number): Promise<void>;
}

function verifyOptionsOf(config: ServeConfig) {
  return {
    issuer: config.issuer,
    subject: config.subject,
    audience: config.audience,
    leewaySeconds: config.leeway,
    maxLifetimeSeconds: config.maxTokenLifetime,
    cache:
      config.tokenCacheEntries > 0 ? { maxEntries: config.tokenCacheEntries } : (false as const),
  };
}

/** Builds keys, files or upstream, metrics, authenticator and extensions of one process. */
async function buildContext(
  init: ContentListenerInit,
  publicUrl: () => string,
  clientAuth: ClientAuthMaterial | null,
  tlsStatus: TlsReloadStatus,
): Promise<ContentContext> {
  const { config, logger } = init;
  const keys = new KeyManager(
    init.keySource,
    verifyOptionsOf(config),
    logger,
    config.keyWatchDebounceMs,
  );
  await keys.reload();
  let files: ContentFiles | null = null;
  if (config.root) {
    files = new ContentFiles(config.root, {
      ...(init.fileSystem ? { fs: init.fileSystem } : {}),
      smallFileMaxBytes: config.smallFileMaxBytes,
      smallFileCacheBytes: config.smallFileCacheBytes,
      revalidateMs: config.fileRevalidateMs,
    });
    await files.init().catch((cause: unknown) => {
      throw rootUnavailable(config.root!, cause);
    });
  }
  const metrics = new ServeMetrics({
    tokenCache: () => keys.verifier.cacheStats(),
    fileCache: () => ({ hits: files?.hits ?? 0, misses: files?.misses ?? 0 }),
    degraded: () => keys.source.degraded?.() ?? false,
    logDropped: () => droppedLogLines(logger),
    tlsReloadFailures: () => tlsStatus.failures,
  });
  const auth = new Authenticator(keys, {
    bearer: config.bearer,
    resumeGrace: config.resumeGrace,
    grace: init.grace,
    observeVerify: (s) => metrics.verifySeconds.observe(s),
    ...(init.clock ? { clock: init.clock } : {}),
  });
  const extensionContext: ContentExtensionContext = { publicUrl };
  const extensions = await Promise.all(
    init.extensions.map((e) => (typeof e === 'function' ? e(extensionContext) : e)),
  );
  for (const ext of extensions) {
    // A wiring mistake, not input: an unreserved path under the prefix could never be reached.
    if (!mayExtensionServe(ext.path)) {
      throw new TypeError(`content extension path ${ext.path} is under the reserved prefix`);
    }
  }
  const bucket = await openBucketRoute(config, metrics, logger, init.clock);
  const root = config.root;
  const listenersUp = init.listenersUp ?? (() => true);
  return {
    config,
    keys,
    auth,
    clientCerts: clientAuth === null ? null : new ClientCertGate(clientAuth),
    tlsReload: tlsStatus,
    now: init.clock ?? Date.now,
    files,
    proxy: config.upstream ? new UpstreamProxy(config.upstream, logger, metrics) : null,
    bucket,
    metrics,
    logger,
    audit: init.audit,
    extensions,
    ready: async () =>
      !listenersUp()
        ? false
        : root
          ? access(root, constants.R_OK | constants.X_OK).then(
              () => true,
              () => false,
            )
          : true,
  };
}

/** node:http(s) server with timeouts suited to multi-gigabyte downloads. */
function createNodeServer(
  config: ServeConfig,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  tls: SecureContextOptions | null,
): Server {
  const serverOptions = {
    maxHeaderSize: config.maxHeaderSize,
    headersTimeout: config.headersTimeout * 1000,
    // requestTimeout bounds receiving the request, not sending the response; GETs have no body,
    // so it is disabled and slow clients are handled by headersTimeout and the idle timeout.
    requestTimeout: 0,
    keepAliveTimeout: config.keepAliveTimeout * 1000,
  };
  // Device certificates are asked for but never required in the handshake: each request decides
  // (client-cert.ts), so refusals are coded answers and health checks need no certificate.
  // No session tickets: a resumed session would carry the verification result of an older
  // handshake (and CA bundle) instead of a fresh one.
  const clientAuth =
    config.clientCa === null
      ? {}
      : {
          requestCert: true,
          rejectUnauthorized: false,
          secureOptions: cryptoConstants.SSL_OP_NO_TICKET,
        };
  const server = tls
    ? createHttpsServer({ ...serverOptions, ...tls, ...clientAuth }, handler)
    : createHttpServer(serverOptions, handler);
  // Idle, not total: a 5 GB download that keeps moving is never cut.
  server.setTimeout(config.idleTimeout * 1000);
  return server;
}

/**
 * Graceful stop for a server: track sockets, answer with `Connection: close` once closing, free
 * keep-alive sockets as their responses finish, and cut what is left after the timeout.
 */
function gracefulStop(server: Server, logger: Logger, state: { closing: boolean }) {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return async (timeoutMs: number): Promise<void> => {
    state.closing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive sockets whose download was still running turn idle as it ends; sweeping
    // for them while closing costs nothing per request, unlike a listener on every response.
    server.closeIdleConnections();
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    const timer = setTimeout(() => {
      logger.warn({ open: sockets.size }, 'shutdown timeout: closing remaining downloads');
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
    }, timeoutMs);
    await closed;
    clearInterval(sweep);
    clearTimeout(timer);
  };
}

/** How often a closing server looks for keep-alive connections that have just turned idle. */
const IDLE_SWEEP_MS = 50;

/** Builds and starts the content listener. Fails with a coded ServeError on bad root, keys or TLS. */
export async function startContentListener(init: ContentListenerInit): Promise<ContentListener> {
  const { config, logger } = init;
  let listening = '';
  const state = { closing: false };
  // A closing listener is no longer ready: load balancers stop sending before the drain ends.
  const listenersUp = () => !state.closing && (init.listenersUp?.() ?? true);
  const tls = config.tlsCert ? readTlsOptions(config) : null;
  const tlsStatus = tlsReloadStatus();
  warnStale(tls?.clientAuth ?? null, logger);
  const ctx = await buildContext(
    { ...init, listenersUp },
    () => config.publicUrl ?? listening,
    tls?.clientAuth ?? null,
    tlsStatus,
  );
  const handle = createContentHandler(ctx);
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    // During shutdown: answer, then let the connection go instead of keeping it alive.
    if (state.closing) res.setHeader('connection', 'close');
    handle(req, res);
  };
  const server = createNodeServer(config, handler, tls?.options ?? null);
  const secure = tls !== null;
  const { reload: reloadTls, stop: stopTls } = tlsReloader(
    config,
    server,
    (material) => ctx.clientCerts?.update(material),
    logger,
    tlsStatus,
  );
  const stop = gracefulStop(server, logger, state);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    stopTls();
    ctx.proxy?.close();
    throw listenFailure(err, 'content', config.host, config.port);
  }
  ctx.keys.watch();
  const { port } = server.address() as AddressInfo;
  const url = `${secure ? 'https' : 'http'}://${formatHost(config.host)}:${port}`;
  listening = url;
  logger.info(
    {
      url,
      keys: init.keySource.describe(),
      mode: ctx.proxy ? 'proxy' : ctx.bucket ? `bucket ${ctx.bucket.mode}` : 'files',
    },
    'content listener ready',
  );
  return {
    server,
    url,
    keys: ctx.keys,
    metrics: ctx.metrics,
    reloadTls,
    async close(timeoutMs: number): Promise<void> {
      ctx.keys.stop();
      stopTls();
      await stop(timeoutMs);
      ctx.proxy?.close();
    },
  };
}

/**
 * SIGHUP's reload: the keys and the TLS material (certificate, client CA, CRLs). Both are tried;
 * the keys' failure is reported first, as before TLS reloaded here too.
 */
export async function reloadKeysAndTls(content: {
  keys: { reload(): Promise<void> };
  reloadTls(): Promise<void>;
}): Promise<void> {
  const [keys, tls] = await Promise.allSettled([content.keys.reload(), content.reloadTls()]);
  if (keys.status === 'rejected') throw keys.reason;
  if (tls.status === 'rejected') throw tls.reason;
}
