/**
 * `startServer`: the one entry point for running Portcullis serve in-process (tests, the CLI,
 * embedding). Single process when `workers` is 1; otherwise a cluster whose primary owns the
 * admin listener, audit sink, resume-grace memory and metrics aggregation, and whose workers
 * (re-running the same entry script, as node:cluster does) serve content.
 */
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { resolveServeConfig, type ServeConfig, workerCount } from '../server/config.js';
import { reloadKeysAndTls, startContentListener } from '../server/content-listener.js';
import { ServeError } from '../server/errors.js';
import { keySourceOf } from '../server/listener-verifier.js';
import { createServeLogger, flushLogger } from '../server/logger.js';
import { checkListenAddresses } from '../server/start-errors.js';
import { startAdminListener } from './admin-listener.js';
import { auditMetrics, withAuditMetrics } from './audit-metrics.js';
import { startClusterPrimary, startClusterWorker } from './cluster.js';
import { graceMemoryFor } from './grace.js';
import type { RunningServer, ServeOptions } from './types.js';

export type { RunningServer, ServeOptions } from './types.js';

/**
 * Starts the content listener (and the admin listener unless disabled).
 * @example const srv = await startServer({ root, keys: ['pub.pem'], port: 0, adminPort: 0, workers: 1 })
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const config = resolveServeConfig(options as Record<string, unknown>);
  if (!config.root && !config.upstream && !config.storage) {
    throw new ServeError(
      'CONFIG_INVALID',
      'portcullis: invalid setting "root": give a content directory (--root), a bucket (--storage s3://…) or an upstream URL (--upstream)',
    );
  }
  const logger = options.logger ?? createServeLogger(config.logLevel);
  if (cluster.isWorker) return startClusterWorker(options, config, logger);
  await checkListenAddresses(config);
  if (workerCount(config) > 1) return startClusterPrimary(options, config, logger);
  return startSingle(options, config, logger);
}

async function startSingle(
  options: ServeOptions,
  config: ServeConfig,
  logger: Logger,
): Promise<RunningServer> {
  const keySource = keySourceOf(options.keySource, config);
  const sink = options.auditSink;
  // readyz answers ready only once every configured listener (content and admin) is up.
  let listenersUp = false;
  const content = await startContentListener({
    config,
    logger,
    listenersUp: () => listenersUp,
    keySource,
    audit: sink ? (e) => sink.record(e) : null,
    grace: graceMemoryFor(config, options.graceStore, logger, options.clock),
    extensions: options.contentExtensions ?? [],
    ...(options.fileSystem ? { fileSystem: options.fileSystem } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const reloadKeys = () => reloadKeysAndTls(content);
  const audit = auditMetrics(sink);
  let admin: Awaited<ReturnType<typeof startAdminListener>> | null = null;
  if (config.admin) {
    try {
      admin = await startAdminListener({
        host: config.adminHost,
        port: config.adminPort,
        allowedHosts: config.adminAllowedHosts,
        logger,
        extensions: options.adminExtensions ?? [],
        context: {
          config,
          keys: { reload: reloadKeys },
          logger,
          publicUrl: config.publicUrl ?? content.url,
        },
        metrics: async () => ({
          contentType: content.metrics.registry.contentType,
          body: await withAuditMetrics(await content.metrics.registry.metrics(), audit),
        }),
      });
    } catch (err) {
      await content.close(0);
      throw err;
    }
  }
  listenersUp = true;
  let closing: Promise<void> | null = null;
  return {
    url: content.url,
    adminUrl: admin?.url ?? null,
    config,
    reloadKeys,
    close() {
      closing ??= (async () => {
        await content.close(config.shutdownTimeout * 1000);
        await admin?.app.close();
        await sink?.close?.();
        await flushLogger(logger);
      })();
      return closing;
    },
  };
}
