/**
 * Cluster mode. The primary forks workers that re-run the entry script (node:cluster's
 * default), so each worker builds its own key source and extensions; the primary owns what
 * must be shared: admin listener, audit sink, resume-grace memory, metrics aggregation.
 * Workers talk to it over IPC only off the hot path (audit events, first sighting of a token,
 * expired-token grace lookups).
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import type { AuditSink } from '../contracts/audit-sink.js';
import { type ServeConfig, workerCount } from '../server/config.js';
import { reloadKeysAndTls, startContentListener } from '../server/content-listener.js';
import { SERVE_ERRORS, ServeError } from '../server/errors.js';
import { type GraceEntry, type GraceMemory, LocalGraceMemory } from '../server/grace.js';
import { keySourceOf } from '../server/listener-verifier.js';
import { flushLogger } from '../server/logger.js';
import { Lru } from '../server/lru.js';
import { checkContentRoot } from '../server/start-errors.js';
import { startAdminListener } from './admin-listener.js';
import { auditMetrics, withAuditMetrics } from './audit-metrics.js';
import {
  CLUSTER_UP_ENV,
  isClusterMessage as isMessage,
  type ClusterMessage as Message,
} from './cluster-messages.js';
import {
  dismissWorkers,
  forkWorkers,
  liveWorkers,
  reportWorkerStartFailure,
  stopWorkers,
} from './cluster-workers.js';
import { graceMemoryFor } from './grace.js';
import type { RunningServer, ServeOptions } from './types.js';

/** Grace memory of a worker: remembers locally (to send each sighting once) and asks the primary. */
class IpcGraceMemory implements GraceMemory {
  readonly #sent: Lru<string, true>;
  readonly #pending = new Map<number, (e: GraceEntry | undefined) => void>();
  #next = 0;

  constructor(maxEntries: number) {
    this.#sent = new Lru(maxEntries);
    process.on('message', (m: unknown) => {
      if (!isMessage(m) || m.portcullis !== 'grace-result') return;
      this.#pending.get(m.id)?.(m.entry ?? undefined);
      this.#pending.delete(m.id);
    });
  }

  remember(fingerprint: string, entry: GraceEntry): void {
    const key = `${fingerprint}\u0000${entry.path}`;
    if (this.#sent.get(key)) return;
    this.#sent.set(key, true);
    process.send?.({ portcullis: 'grace-remember', fingerprint, entry } satisfies Message);
  }

  lookup(fingerprint: string, path: string): Promise<GraceEntry | undefined> {
    const id = this.#next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve(undefined); // no answer: no grace (fail closed)
      }, 2000);
      this.#pending.set(id, (e) => {
        clearTimeout(timer);
        resolve(e);
      });
      process.send?.({ portcullis: 'grace-lookup', id, fingerprint, path } satisfies Message);
    });
  }
}

/**
 * Runs inside a cluster worker: content listener only. Ready (readyz) once the primary says
 * every listener is up. A worker that cannot start reports why to the primary (which prints
 * it once and stops the cluster) and exits when the primary lets it go.
 */
export async function startClusterWorker(
  options: ServeOptions,
  config: ServeConfig,
  logger: Logger,
): Promise<RunningServer> {
  // Listening before the listener exists: the primary's "ready" must not be missed.
  let clusterUp = process.env[CLUSTER_UP_ENV] === '1';
  const onReady = (m: unknown) => {
    if (isMessage(m) && m.portcullis === 'ready') clusterUp = true;
  };
  process.on('message', onReady);
  let content: Awaited<ReturnType<typeof startContentListener>>;
  try {
    content = await startContentListener({
      config,
      logger,
      keySource: keySourceOf(options.keySource, config),
      audit: (event) => process.send?.({ portcullis: 'audit', event } satisfies Message),
      grace: config.resumeGrace > 0 ? new IpcGraceMemory(config.resumeGraceEntries) : null,
      extensions: options.contentExtensions ?? [],
      listenersUp: () => clusterUp,
    });
  } catch (err) {
    process.off('message', onReady);
    failWorker(err);
    throw err;
  }
  AggregatorRegistry.setRegistries([content.metrics.registry]);
  new AggregatorRegistry(); // installs the worker side of metrics aggregation
  // The terminal's Ctrl-C reaches every process in the group; only the primary decides.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  const shutdown = async () => {
    await content.close(config.shutdownTimeout * 1000);
    await flushLogger(logger); // every access line of the drained downloads, before exit
    process.exit(0);
  };
  process.on('disconnect', () => void shutdown());
  process.on('message', (m: unknown) => {
    if (!isMessage(m)) return;
    if (m.portcullis === 'shutdown') void shutdown();
    if (m.portcullis === 'reload-keys') {
      reloadKeysAndTls(content).then(
        () => process.send?.({ portcullis: 'reload-done', id: m.id, ok: true } satisfies Message),
        (err: { code?: string }) =>
          process.send?.({
            portcullis: 'reload-done',
            id: m.id,
            ok: false,
            code: err.code ?? 'KEY_RELOAD_FAILED',
          } satisfies Message),
      );
    }
  });
  return {
    url: content.url,
    adminUrl: null,
    config,
    reloadKeys: () => reloadKeysAndTls(content),
    close: () => content.close(config.shutdownTimeout * 1000),
  };
}

/**
 * A worker that cannot start: report to the primary, leave when it disconnects us. Exported for
 * the serve command, whose own start-up steps (store, config) can fail in a worker too.
 */
export function failWorker(err: unknown): void {
  void reportWorkerStartFailure(err);
  if (!process.connected) process.exit(2);
  process.once('disconnect', () => process.exit(2));
}

type PendingReload = { left: number; failed: string | null; done: (failed: string | null) => void };

/** The primary's side of the IPC protocol: audit relay, shared grace memory, key reload fan-out. */
class PrimaryRelay {
  readonly #grace: GraceMemory;
  readonly #reloads = new Map<number, PendingReload>();
  #next = 0;

  constructor(
    grace: GraceMemory | null,
    private readonly sink: AuditSink | undefined,
  ) {
    // Workers only ask when grace is on; an empty memory answers them if it is off.
    this.#grace = grace ?? new LocalGraceMemory(1);
  }

  readonly onMessage = (worker: Worker, m: unknown): void => {
    if (!isMessage(m)) return;
    if (m.portcullis === 'audit') this.sink?.record(m.event);
    else if (m.portcullis === 'grace-remember') this.#grace.remember(m.fingerprint, m.entry);
    else if (m.portcullis === 'grace-lookup') {
      // Local memory answers at once; the shared store (PostgreSQL) only on a local miss.
      void this.#grace.lookup(m.fingerprint, m.path).then((found) => {
        const entry = found ?? null;
        if (worker.isConnected()) {
          worker.send({ portcullis: 'grace-result', id: m.id, entry } satisfies Message);
        }
      });
    } else if (m.portcullis === 'reload-done') {
      const r = this.#reloads.get(m.id);
      if (!r) return;
      if (!m.ok) r.failed = m.code ?? 'KEY_RELOAD_FAILED';
      if (--r.left === 0) {
        this.#reloads.delete(m.id);
        r.done(r.failed);
      }
    }
  };

  /** Asks every worker to reload; rejects if any fails, or after 10 s if one never answers. */
  reloadKeys(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const workers = liveWorkers();
      const id = this.#next++;
      // A worker's own registered code (e.g. KEY_FILE_NOT_FOUND) is passed on as it came.
      const fail = (code: string) =>
        reject(
          code === 'KEY_RELOAD_FAILED' || code === 'KEY_RELOAD_TIMEOUT'
            ? new ServeError(code)
            : Object.assign(new Error(SERVE_ERRORS.KEY_RELOAD_FAILED.message), { code }),
        );
      const timer = setTimeout(() => {
        this.#reloads.delete(id);
        fail('KEY_RELOAD_TIMEOUT');
      }, 10_000);
      timer.unref();
      this.#reloads.set(id, {
        left: workers.length,
        failed: null,
        done: (failed) => {
          clearTimeout(timer);
          if (failed) fail(failed);
          else resolve();
        },
      });
      for (const w of workers) w.send({ portcullis: 'reload-keys', id } satisfies Message);
    });
  }
}

/** Runs in the primary: forks workers, serves admin, relays shared state. */
export async function startClusterPrimary(
  options: ServeOptions,
  config: ServeConfig,
  logger: Logger,
): Promise<RunningServer> {
  // Fail fast in the primary on broken keys or root instead of in N workers.
  await keySourceOf(options.keySource, config).load();
  if (config.root) await checkContentRoot(config.root);
  const sink = options.auditSink;
  const relay = new PrimaryRelay(graceMemoryFor(config, options.graceStore, logger), sink);
  const aggregator = new AggregatorRegistry();
  // The sink lives here, not in the workers: its counter joins the aggregated text as is.
  const audit = auditMetrics(sink);
  cluster.on('message', relay.onMessage);
  const reloadKeys = () => relay.reloadKeys();
  let admin: Awaited<ReturnType<typeof startAdminListener>> | null = null;
  let url: string;
  const pool = forkWorkers(config, logger);
  try {
    url = await pool.started;
    if (config.admin) {
      admin = await startAdminListener({
        host: config.adminHost,
        port: config.adminPort,
        logger,
        extensions: options.adminExtensions ?? [],
        context: {
          config,
          keys: { reload: reloadKeys },
          logger,
          publicUrl: config.publicUrl ?? url,
        },
        metrics: async () => ({
          contentType: aggregator.contentType,
          body: await withAuditMetrics(await aggregator.clusterMetrics(), audit),
        }),
      });
    }
  } catch (err) {
    // Whatever started stops before the failure is reported: no content without its admin.
    pool.detach();
    await dismissWorkers();
    cluster.off('message', relay.onMessage);
    throw err;
  }
  // Sent before any later connection is handed to a worker (same ordered IPC channel), so no
  // request accepted after this line can see a worker that is not yet told.
  pool.markUp();
  logger.info({ url, workers: workerCount(config) }, 'cluster ready');
  let closed: Promise<void> | null = null;
  return {
    url,
    adminUrl: admin?.url ?? null,
    config,
    reloadKeys,
    close() {
      closed ??= (async () => {
        pool.detach();
        await stopWorkers(config.shutdownTimeout * 1000);
        cluster.off('message', relay.onMessage);
        await admin?.app.close();
        await sink?.close?.();
      })();
      return closed;
    },
  };
}
