/**
 * The content listener's TLS material as one set — certificate, key, client CA bundle and CRLs —
 * read and validated together, and reloaded on SIGHUP and when any of its files changes: the new
 * set is validated first, and a broken set leaves the old one serving — loudly: an error log line
 * with the code, `portcullis_tls_reload_failures_total`, and /readyz answering `degraded` with
 * `tls: "reload-failed"` until a reload succeeds. On reload the CA bundle and CRLs are read and
 * checked in a worker thread (a large CRL takes long to verify), then swapped in at once.
 */
import { constants as cryptoConstants } from 'node:crypto';
import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import {
  type ClientAuthData,
  type ClientAuthMaterial,
  clientAuthMaterial,
  readClientAuth,
} from './client-cert.js';
import type { ServeConfig } from './config.js';
import { ServeError } from './errors.js';
import { readTlsPair, watchFiles } from './tls.js';

/** How the last TLS reloads went: read by the metrics and /readyz. */
export interface TlsReloadStatus {
  /** Failed reloads since start. */
  failures: number;
  /** The last reload failed (the previous material still serves): its code and when. */
  failing: { code: string; reason: string | undefined; since: number } | null;
}

/** A fresh status: no reload has failed. */
export function tlsReloadStatus(): TlsReloadStatus {
  return { failures: 0, failing: null };
}

/** Longest a reload's worker may take before the reload counts as failed. */
const WORKER_TIMEOUT_MS = 60_000;

/** The TLS material of the content listener: its certificate and key, and client-auth settings. */
export function readTlsOptions(config: ServeConfig): {
  options: SecureContextOptions;
  clientAuth: ClientAuthMaterial | null;
} {
  const pair = readTlsPair(config.tlsCert!, config.tlsKey!);
  if (config.clientCa === null) return { options: pair, clientAuth: null };
  return withClientAuth(pair, readClientAuth(config.clientCa, config.clientCrl));
}

function withClientAuth(
  pair: SecureContextOptions,
  clientAuth: ClientAuthMaterial,
): { options: SecureContextOptions; clientAuth: ClientAuthMaterial } {
  const crl = clientAuth.crl.length > 0 ? { crl: clientAuth.crl } : {};
  return { options: { ...pair, ca: clientAuth.ca, ...crl }, clientAuth };
}

/** {@link readTlsOptions} with the CA bundle and CRLs read and checked in a worker thread. */
async function readTlsOptionsOffLoop(config: ServeConfig): Promise<{
  options: SecureContextOptions;
  clientAuth: ClientAuthMaterial | null;
}> {
  const pair = readTlsPair(config.tlsCert!, config.tlsKey!);
  if (config.clientCa === null) return { options: pair, clientAuth: null };
  const data = await readClientAuthInWorker(config.clientCa, config.clientCrl);
  return withClientAuth(pair, clientAuthMaterial(data));
}

type WorkerReply =
  | { ok: true; data: ClientAuthData }
  | { ok: false; code: string; reason: string | undefined; message: string };

/** Runs `readClientAuthData` in a one-shot worker; rejects with a ServeError like it throws. */
function readClientAuthInWorker(
  clientCa: string,
  clientCrl: string | null,
): Promise<ClientAuthData> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl(), {
      workerData: { clientCa, clientCrl },
      resourceLimits: { maxOldGenerationSizeMb: 512, stackSizeMb: 4 },
      stdin: false,
      env: {},
    });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const failed = (why: string) =>
      settle(() => reject(new ServeError('CONFIG_INVALID', `portcullis: TLS reload: ${why}`)));
    const timer = setTimeout(
      () => failed('reading the client CA and CRLs timed out'),
      WORKER_TIMEOUT_MS,
    );
    timer.unref();
    worker.once('message', (reply: WorkerReply) =>
      settle(() => {
        if (reply.ok) {
          resolve(reply.data);
          return;
        }
        const err = new ServeError('CONFIG_INVALID', reply.message);
        (err as { reason?: string }).reason = reply.reason;
        reject(err);
      }),
    );
    worker.once('error', () => failed('the worker reading the client CA and CRLs failed'));
    worker.once('exit', () => failed('the worker reading the client CA and CRLs stopped'));
  });
}

function workerUrl(): URL {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    return new URL(here.replace(/\/src\/server\/[^/]+\.ts$/, '/dist/server/client-auth-worker.js'));
  }
  return new URL('./client-auth-worker.js', here);
}

/** Warns about CRLs past their nextUpdate: devices of those CAs are refused until a new one. */
export function warnStale(clientAuth: ClientAuthMaterial | null, logger: Logger): void {
  for (const crl of clientAuth?.stale ?? []) {
    logger.warn(
      { issuer: crl.issuer, nextUpdate: crl.nextUpdate?.toISOString() },
      'client CRL is past its nextUpdate: certificates of this CA are refused (CLIENT_CERT_REVOCATION_UNKNOWN) until a current CRL is installed',
    );
  }
}

/**
 * Reloads the listener's TLS material on demand and when its files change (debounced): the new
 * set is validated first, and a broken set leaves the old one serving (recorded in `status`).
 * Reloads run one at a time, in the order they were asked for.
 */
export function tlsReloader(
  config: ServeConfig,
  server: Server,
  onClientAuth: (material: ClientAuthMaterial) => void,
  logger: Logger,
  status: TlsReloadStatus = tlsReloadStatus(),
): { reload: () => Promise<void>; stop: () => void } {
  if (!config.tlsCert) return { reload: async () => {}, stop: () => {} };
  const apply = async () => {
    const next = await readTlsOptionsOffLoop(config);
    // SSL_OP_NO_TICKET is a context option: it has to be given again with the new context.
    const secureOptions =
      config.clientCa === null ? {} : { secureOptions: cryptoConstants.SSL_OP_NO_TICKET };
    (server as HttpsServer).setSecureContext({ ...next.options, ...secureOptions });
    if (next.clientAuth !== null) onClientAuth(next.clientAuth);
    warnStale(next.clientAuth, logger);
  };
  const once = async () => {
    try {
      await apply();
    } catch (err) {
      const code = (err as ServeError).code ?? 'CONFIG_INVALID';
      const cause = (err as { cause?: { code?: unknown }; reason?: unknown }).cause?.code;
      const reason = typeof cause === 'string' ? cause : (err as { reason?: string }).reason;
      status.failures += 1;
      status.failing ??= { code, reason, since: Date.now() };
      logger.error(
        { code, reason, detail: (err as Error).message },
        config.clientCa === null
          ? 'TLS reload failed; the previous certificate stays in use'
          : 'TLS reload failed; the previous certificate, client CA and CRLs stay in use: revocation data may be stale until a reload succeeds',
      );
      throw err;
    }
    if (status.failing !== null)
      logger.info('TLS reload succeeded; revocation data is current again');
    status.failing = null;
    logger.info('TLS certificate reloaded');
  };
  let queue: Promise<unknown> = Promise.resolve();
  const reload = () => {
    const run = queue.then(once);
    queue = run.catch(() => {});
    return run;
  };
  const files = [config.tlsCert, config.tlsKey!, config.clientCa, config.clientCrl].filter(
    (f): f is string => f !== null,
  );
  const stop = watchFiles(files, () => reload().catch(() => {}), config.keyWatchDebounceMs);
  return { reload, stop };
}
