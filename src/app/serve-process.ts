/**
 * `portcullis serve` as a process: signals (SIGHUP reloads keys and TLS; SIGTERM/SIGINT stop
 * gracefully, then close the store), the launch, the zero-configuration banner, and the rule
 * that a failed start ends the process within seconds. Cluster workers leave signals, banners
 * and exit decisions to the primary.
 */
import cluster from 'node:cluster';
import type { ServeConfig } from '../server/config.js';
import { jamfSteps } from './banner.js';
import { type Launched, launch } from './launch.js';
import { revealSecret, SECRET_FILES } from './secret-notice.js';
import { sampleInstructions, sampleUrl } from './zero-config.js';

/** Options of {@link serveProcess}. */
export interface ServeProcessOptions {
  /** A data directory was asked for (`--data` or PORTCULLIS_DATA). */
  dataGiven: boolean;
  /** Where non-secret start-up text goes (default: stderr). */
  write?: (text: string) => void;
}

/**
 * Runs the server until a signal stops it. Rejects with the coded start-up failure (the caller
 * prints it); in the primary the process is then ended within seconds even if a handle leaked.
 */
export async function serveProcess(config: ServeConfig, opts: ServeProcessOptions): Promise<void> {
  const worker = cluster.isWorker;
  // Workers ignore signals (the primary decides); everyone else handles them from now on.
  const started = worker ? () => {} : installSignals();
  let launched: Launched;
  try {
    launched = await launch(config, { dataGiven: opts.dataGiven, worker });
  } catch (err) {
    if (!worker) exitSoonAfterFailedStart();
    throw err;
  }
  if (worker) return; // the primary owns signals and the console
  started(launched);
  if (launched.zeroConfig) await showZeroConfigBanner(launched, opts.write);
}

/** The zero-configuration start's banner: the sample URLs (secret) and how to connect Jamf Pro. */
async function showZeroConfigBanner(
  launched: Launched,
  write: (text: string) => void = (t) => process.stderr.write(t),
): Promise<void> {
  const { config, server, zeroConfig, storeBacked } = launched;
  if (!zeroConfig) return;
  const base = (config.publicUrl ?? server.url)
    .replace('//0.0.0.0:', '//127.0.0.1:')
    .replace('//[::]:', '//[::1]:');
  const signed = (await storeBacked?.signZeroConfigSample(sampleUrl(base))) ?? null;
  const { text } = sampleInstructions(zeroConfig, base, signed, { adminUrl: server.adminUrl });
  // The sample URL carries a working token: a terminal sees it, a log collector does not.
  await revealSecret(config.data, SECRET_FILES.sampleUrl, text, 'The sample signed URL');
  // Not secret, so always shown: a start under a service manager needs it most.
  write(`\n${jamfSteps(launched.consoleUrl).join('\n')}\n\n`);
}

/**
 * A failed start must end the process within seconds. Everything that started is closed
 * first; this unref'd timer only fires if some handle was still left open, so a leak can
 * never turn a failed start back into a hang.
 */
function exitSoonAfterFailedStart(): void {
  setTimeout(() => process.exit(process.exitCode ?? 2), 3000).unref();
}

/**
 * Signal handling, installed before the server starts so that an early SIGHUP (e.g. from a
 * deployment tool) cannot kill the process with the default action: before the server is up,
 * SIGHUP is remembered (the reload runs once it is up) and SIGTERM/SIGINT exit at once.
 */
function installSignals(): (launched: Launched) => void {
  let current: Launched | null = null;
  // A SIGHUP while starting may come after the files were read (a worker already answering, the
  // primary still starting): it is applied once the server is up, not dropped.
  let hupWhileStarting = false;
  const reload = (launched: Launched) =>
    launched.server.reloadKeys().catch(() => {
      // already logged by the key manager; the previous keys stay in use
    });
  process.on('SIGHUP', () => {
    if (current) reload(current);
    else hupWhileStarting = true;
  });
  const stop = (signal: NodeJS.Signals) => {
    if (!current) {
      // Still starting: some await may be stuck (a file that blocks a libuv thread, a store that
      // never answers), and process.exit() would wait on that thread at exit. Die of the signal
      // itself instead, as a process without a handler would: at once, whatever is pending.
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      process.kill(process.pid, signal);
      return;
    }
    current.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return (launched) => {
    current = launched;
    if (hupWhileStarting) {
      hupWhileStarting = false;
      reload(launched);
    }
  };
}
