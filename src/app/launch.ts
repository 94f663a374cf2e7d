/**
 * The one composition root: builds every deployment shape from a validated ServeConfig and
 * starts it, in Caddy's order — provision (zero-config layout, store-backed parts), validate
 * (ports free, content root readable, before anything is opened or forked), start (listeners,
 * cluster), and a cleanup that also runs after a failed start so it leaves nothing open.
 *
 * Shapes: key files only (`--root/--upstream` with `--key`), store-backed (`--data`, with or
 * without `--key`), zero-configuration (nothing given: a data directory with a demo key), each
 * single-process or as a cluster (`--workers`), whose workers re-run the same entry script.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CatalogError } from '../catalog/errors.js';
import { readPinningCerts } from '../catalog/pinning.js';
import type { ServeConfig } from '../server/config.js';
import { ServeError } from '../server/errors.js';
import { createServeLogger, flushLogger } from '../server/logger.js';
import { checkContentRoot, checkListenAddresses } from '../server/start-errors.js';
import { consoleUrlOf, defaultBesideOthersWarning } from './banner.js';
import { startServer } from './serve.js';
import { composeStoreBacked, type StoreBacked } from './store-backed.js';
import type { RunningServer } from './types.js';
import { prepareZeroConfig, type ZeroConfigLayout } from './zero-config.js';
import { defaultBesideOthers } from './zero-config-key.js';

/** The deployment shape a config asks for (cluster or not is `workers`, orthogonal to this). */
export type DeploymentShape = 'key-files' | 'store-backed' | 'zero-config';

/** Options of {@link launch}. */
export interface LaunchOptions {
  /** A data directory was asked for (`--data` or PORTCULLIS_DATA): the store-backed shape (as is a `databaseUrl`). */
  dataGiven: boolean;
  /** True in a cluster worker: no start-up checks (the primary made them), no retention job. */
  worker?: boolean;
  /** Log to use (default: a new pino logger on stdout at `config.logLevel`). */
  logger?: Logger;
  /** Where the store-backed start shows its one-time password (default: terminal or 0600 file). */
  stderr?: (text: string) => void;
}

/** A started deployment. */
export interface Launched {
  shape: DeploymentShape;
  server: RunningServer;
  /** The config the server runs with (root filled in for zero-config and `--data` starts). */
  config: ServeConfig;
  /** The zero-configuration layout, when this is that shape. */
  zeroConfig: ZeroConfigLayout | null;
  /** The store-backed parts (store, signer of the sample URL), when the shape has a store. */
  storeBacked: StoreBacked | null;
  /** The console URL, or null without an admin listener (or in a cluster worker). */
  consoleUrl: string | null;
  /** Stops the listeners gracefully, then the store; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Decides the shape: with no root, upstream or key, the zero-configuration start; with a data
 * directory asked for (or made by zero-config), store-backed; else key files only.
 */
export function deploymentShape(config: ServeConfig, dataGiven: boolean): DeploymentShape {
  if (!config.root && !config.upstream && !config.storage && config.keys.length === 0) {
    return 'zero-config';
  }
  return dataGiven || config.databaseUrl ? 'store-backed' : 'key-files';
}

/**
 * Provisions, validates and starts the deployment `config` describes.
 * @throws the coded start-up failure (ServeError, a key or store error), after cleaning up
 * @example const { server, close } = await launch(loadServeConfig({ flags }), { dataGiven: true });
 */
export async function launch(config: ServeConfig, opts: LaunchOptions): Promise<Launched> {
  const worker = opts.worker === true;
  // Validate what is cheap first: a port in use fails before keys are made, the store opened or
  // workers forked (the primary only: workers bind through it).
  if (!worker) await checkListenAddresses(config);
  const shape = deploymentShape(config, opts.dataGiven);
  let zeroConfig: ZeroConfigLayout | null = null;
  if (shape === 'zero-config') {
    zeroConfig = await prepareZeroConfig(config.data);
    // The key itself comes from the store (configuration "Default"), see store-backed.ts.
    config = { ...config, root: zeroConfig.root };
  } else if (!config.root && !config.upstream && !config.storage) {
    config = { ...config, root: join(config.data, 'content') };
  }
  // Before the store is opened (a first start creates its one-time password) or workers are
  // forked, a missing root fails at once; zero-config made its own.
  if (!worker && config.root && !zeroConfig) await checkContentRoot(config.root);
  if (!worker && config.pinningCerts) await checkPinningCerts(config.pinningCerts);
  const logger = opts.logger ?? createServeLogger(config.logLevel);
  const storeBacked =
    shape === 'key-files'
      ? null
      : await composeStoreBacked(config, {
          zeroConfig,
          retention: !worker,
          logger,
          ...(opts.stderr ? { stderr: opts.stderr } : {}),
        });
  if (storeBacked) config = storeBacked.config;
  let server: RunningServer;
  try {
    server = await startServer({ ...config, ...storeBacked?.parts, logger });
  } catch (err) {
    await cleanupFailedStart(storeBacked, worker);
    throw err;
  }
  const consoleUrl = consoleUrlOf(server.adminUrl);
  if (storeBacked && !worker) {
    await storeBacked.revealFirstAdmin(consoleUrl);
    await warnDefaultBesideOthers(storeBacked, logger, consoleUrl);
  }
  let closing: Promise<void> | null = null;
  return {
    shape,
    server,
    config,
    zeroConfig,
    storeBacked,
    consoleUrl,
    close() {
      // After the listeners stop (running downloads finished, audit flushed), the store closes
      // too: retention stops and SQLite checkpoints its WAL, so the data directory is tidy.
      // The log goes last, so the lines of the drained downloads and of the store's close are in it.
      closing ??= server
        .close()
        .then(() => storeBacked?.close())
        .finally(() => flushLogger(logger));
      return closing;
    },
  };
}

/** A `pinningCerts` file that would fail every pinned command fails the start instead. */
async function checkPinningCerts(file: string): Promise<void> {
  try {
    await readPinningCerts(file);
  } catch (err) {
    if (!(err instanceof CatalogError)) throw err;
    throw new ServeError(
      'CONFIG_INVALID',
      'portcullis: invalid setting "pinningCerts": expected a readable PEM file with 1 to 8 CERTIFICATE blocks (the chain devices see)',
    );
  }
}

/**
 * Cleanup of a start that failed after the store was opened: the store closes, and a first
 * admin this start already created is still shown once (without a console that never ran),
 * since the next start would not show it again.
 */
async function cleanupFailedStart(storeBacked: StoreBacked | null, worker: boolean): Promise<void> {
  if (!storeBacked) return;
  if (!worker) await storeBacked.revealFirstAdmin(null).catch(() => {});
  await storeBacked.close().catch(() => {});
}

/** The start-log warning when the demo key "Default" still opens downloads beside other keys. */
async function warnDefaultBesideOthers(
  storeBacked: StoreBacked,
  logger: Logger,
  consoleUrl: string | null,
): Promise<void> {
  const found = await defaultBesideOthers(storeBacked.store);
  if (!found) return;
  logger.warn(
    { configurationId: found.zeroConfig.id, others: found.others.length },
    defaultBesideOthersWarning(found.zeroConfig, found.others.length, consoleUrl),
  );
}
