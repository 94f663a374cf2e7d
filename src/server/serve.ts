/**
 * `startServer`: the one entry point for running Portcullis serve in-process (tests, the CLI,
 * embedding). Single process when `workers` is 1; otherwise a cluster whose primary owns the
 * admin listener, audit sink, resume-grace memory and metrics aggregation, and whose workers
 * (re-running the same entry script, as node:cluster does) serve content.
 */
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import type { AuditSink } from '../contracts/audit-sink.js';
import type { ContentExtensionInput } from '../contracts/content-extension.js';
import type { KeySource } from '../contracts/key-source.js';
import { startAdminListener } from './admin.js';
import { startClusterPrimary, startClusterWorker } from './cluster.js';
import { resolveServeConfig, type ServeConfig, workerCount } from './config.js';
import { startContentListener } from './content-listener.js';
import { ServeError } from './errors.js';
import type { FileSystem } from './files.js';
import { LocalGraceMemory } from './grace.js';
import { keySourceOf } from './listener-verifier.js';
import { createServeLogger } from './logger.js';
import { checkListenAddresses } from './start-errors.js';
import type { AdminExtension } from './types.js';

/** Options of {@link startServer}: any ServeConfig setting plus the pluggable parts. */
export interface ServeOptions extends Partial<ServeConfig> {
  keySource?: KeySource;
  auditSink?: AuditSink;
  adminExtensions?: AdminExtension[];
  /**
   * Extra content routes. In cluster mode every worker runs the entry script again and builds
   * its own; pass factories (`() => extension`) for anything holding per-process resources.
   */
  contentExtensions?: ContentExtensionInput[];
  /** Logger to use instead of a new pino logger on stdout. */
  logger?: Logger;
  /** Disk access for the file routes (tests inject a spy). */
  fileSystem?: FileSystem;
  /** Wall clock in ms (tests of expiry and resume grace). */
  clock?: () => number;
}

/** A started server. */
export interface RunningServer {
  /** Content listener base URL, e.g. `http://127.0.0.1:54321`. */
  url: string;
  /** Admin listener base URL, or null when disabled (or in a cluster worker). */
  adminUrl: string | null;
  config: ServeConfig;
  /** Reloads verification keys everywhere; rejects (old keys stay) when the new set is broken. */
  reloadKeys(): Promise<void>;
  /** Graceful stop: no new connections, running downloads get `shutdownTimeout`, then are cut. */
  close(): Promise<void>;
}

/**
 * Starts the content listener (and the admin listener unless disabled).
 * @example const srv = await startServer({ root, keys: ['pub.pem'], port: 0, adminPort: 0, workers: 1 })
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const config = resolveServeConfig(options as Record<string, unknown>);
  if (!config.root && !config.upstream) {
    throw new ServeError(
      'CONFIG_INVALID',
      'portcullis: invalid setting "root": give a content directory (--root) or an upstream URL (--upstream)',
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
    grace: config.resumeGrace > 0 ? new LocalGraceMemory(config.resumeGraceEntries) : null,
    extensions: options.contentExtensions ?? [],
    ...(options.fileSystem ? { fileSystem: options.fileSystem } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const reloadKeys = () => content.keys.reload();
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
          body: await content.metrics.registry.metrics(),
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
      })();
      return closing;
    },
  };
}
