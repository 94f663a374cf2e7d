/**
 * `portcullis serve`: flags → validated ServeConfig (flags > PORTCULLIS_* > config file) →
 * startServer, plus signals (SIGHUP reloads keys and TLS; SIGTERM/SIGINT stop gracefully) and
 * the zero-configuration start. docs/serve.md documents every flag shown here.
 */
import cluster from 'node:cluster';
import { join } from 'node:path';
import type { Command } from 'commander';
import { type ComposedAdmin, composeAdmin } from '../admin/compose.js';
import { failWorker } from '../server/cluster.js';
import { loadServeConfig, type ServeConfig } from '../server/config.js';
import type { ServeError } from '../server/errors.js';
import { revealSecret, SECRET_FILES } from '../server/secret-notice.js';
import { type RunningServer, type ServeOptions, startServer } from '../server/serve.js';
import { checkContentRoot, checkListenAddresses } from '../server/start-errors.js';
import {
  prepareZeroConfig,
  sampleInstructions,
  sampleUrl,
  type ZeroConfigLayout,
} from '../server/zero-config.js';
import { CliError } from './run.js';

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

/** Flags given on the command line only (defaults come from ServeConfig, so env and file can apply). */
function givenFlags(cmd: Command): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(cmd.opts())) {
    // `--key` is repeatable and feeds the `keys` setting.
    if (cmd.getOptionValueSource(name) === 'cli') out[name === 'key' ? 'keys' : name] = value;
  }
  return out;
}

/** Registers `portcullis serve`. */
export function register(program: Command): void {
  program
    .command('serve')
    .description(
      'Serve files (or proxy an upstream) only to requests carrying a valid JWT; forward-auth at /_portcullis/auth.',
    )
    .option('--root <dir>', 'directory of content to serve (default with no keys: <data>/content)')
    .option(
      '--upstream <url>',
      'proxy mode: stream verified requests from this http(s) origin instead of --root',
    )
    .option(
      '--key <file>',
      'verification key file, any public or private form; repeat for several',
      collect,
    )
    .option(
      '--config <file>',
      'YAML or JSON settings file (flags > PORTCULLIS_* env > file > defaults)',
    )
    .option(
      '--data <dir>',
      'data directory for zero-configuration start (default ./portcullis-data)',
    )
    .option(
      '--host <host>',
      'content listener address (default 127.0.0.1; use 0.0.0.0 to serve the network)',
    )
    .option('--port <port>', 'content listener port (default 8080)')
    .option('--no-bearer', 'accept the token only as ?token=, not as Authorization: Bearer')
    .option(
      '--resume-grace <duration>',
      'let a token seen before exp resume the same file this long after exp (default 0)',
    )
    .option(
      '--auth-front <front>',
      'front server calling /_portcullis/auth: nginx|caddy|traefik|off (default nginx); only its headers are read',
    )
    .option('--tls-cert <file>', 'PEM certificate chain for HTTPS (reloaded when it changes)')
    .option('--tls-key <file>', 'PEM private key for HTTPS')
    .option(
      '--admin-host <host>',
      'admin listener address: metrics and admin API (default 127.0.0.1)',
    )
    .option('--admin-port <port>', 'admin listener port (default 8081)')
    .option(
      '--admin-allowed-hosts <hosts>',
      'extra Host names the admin listener answers to, comma-separated name[:port] (default: its own address and localhost only)',
    )
    .option('--no-admin', 'do not start the admin listener')
    .option('--workers <n>', 'content worker processes (default 0 = one per core)')
    .option(
      '--shutdown-timeout <duration>',
      'on SIGTERM/SIGINT let running downloads finish this long (default 30s)',
    )
    .option('--public-url <url>', 'public base URL of the content listener (printed URLs, JWKS)')
    .option('--issuer <iss>', 'accepted iss, comma-separated (default JSS)')
    .option('--subject <sub>', 'accepted sub, comma-separated (default AppManifest)')
    .option('--audience <aud>', 'required aud, comma-separated (default: not checked)')
    .option(
      '--leeway <duration>',
      'clock skew allowed for exp/nbf/iat: seconds (60) or a duration (90s, 1m); default 60s',
    )
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (default info)')
    .addHelpText(
      'after',
      '\nEvery setting can also come from PORTCULLIS_<NAME> (e.g. PORTCULLIS_PORT) or the config file.\nSee docs/serve.md and docs/configuration.md.',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      if (!cluster.isWorker) return runServe(givenFlags(cmd));
      // A cluster worker never prints a start-up failure: the primary reports it once.
      await runServe(givenFlags(cmd)).catch(failWorker);
    });
}

/** Runs an early start-up check, turning its coded failure into the one line the CLI prints. */
async function checkedFirst(check: Promise<void>): Promise<void> {
  try {
    await check;
  } catch (err) {
    const e = err as ServeError;
    throw new CliError(`${e.message} (${e.code})`);
  }
}

/**
 * A failed start must end the process within seconds. Everything that started is closed
 * first; this unref'd timer only fires if some handle was still left open, so a leak can
 * never turn a failed start back into a hang.
 */
function exitSoonAfterFailedStart(): void {
  setTimeout(() => process.exit(process.exitCode ?? 2), 3000).unref();
}

async function runServe(flags: Record<string, unknown>): Promise<void> {
  let config: ServeConfig;
  try {
    config = loadServeConfig({ flags, env: process.env });
  } catch (err) {
    throw new CliError((err as Error).message.replace(/^portcullis: /, ''));
  }
  // Before keys are generated, the store opened or workers forked, a port in use fails at once
  // (the primary only: workers bind through it).
  if (!cluster.isWorker) await checkedFirst(checkListenAddresses(config));
  // Composition: other areas (store-backed keys, audit, admin API, JWKS) add their parts here.
  const parts: Pick<
    ServeOptions,
    'keySource' | 'auditSink' | 'adminExtensions' | 'contentExtensions'
  > = {};
  let zero: ZeroConfigLayout | null = null;
  if (!config.root && !config.upstream && config.keys.length === 0 && !parts.keySource) {
    zero = await prepareZeroConfig(config.data);
    // The key itself comes from the store (configuration "Default"), see composeAdmin.
    config = { ...config, root: zero.root };
  } else if (!config.root && !config.upstream) {
    config = { ...config, root: join(config.data, 'content') };
  }
  // Before the store is opened (a first start prints its one-time password) or workers are
  // forked, a missing root fails at once; zero-config made its own.
  if (!cluster.isWorker && config.root && !zero) await checkedFirst(checkContentRoot(config.root));
  // Admin composition (store-backed keys, audit, admin API, JWKS): src/admin/compose.ts.
  let closeStore: () => Promise<void> = async () => {};
  let signSample: ComposedAdmin['signZeroConfigSample'] = async () => null;
  if (zero || flags.data !== undefined || process.env.PORTCULLIS_DATA) {
    const composed = await composeAdmin(config, {
      zeroConfig: zero,
      retention: !cluster.isWorker,
    });
    config = composed.config;
    Object.assign(parts, composed.parts);
    closeStore = () => composed.close();
    signSample = (url) => composed.signZeroConfigSample(url);
  }
  // Workers ignore signals (the primary decides); everyone else handles them from now on.
  const serverStarted = cluster.isWorker ? () => {} : installSignals();
  let server: RunningServer;
  try {
    server = await startServer({ ...config, ...parts });
  } catch (err) {
    await closeStore().catch(() => {});
    if (cluster.isWorker) throw err;
    exitSoonAfterFailedStart();
    const e = err as { code?: string; message?: string };
    if (typeof e.code === 'string' && /^[A-Z_]+$/.test(e.code)) {
      throw new CliError(`${(e.message ?? '').replace(/^portcullis: /, '')} (${e.code})`);
    }
    throw err;
  }
  if (cluster.isWorker) return; // the primary owns signals and the console
  // After the listeners stop (running downloads finished, audit flushed), the store closes too:
  // retention stops and SQLite checkpoints its WAL, so the data directory is left tidy.
  serverStarted(server, closeStore);
  if (zero) {
    const base = (config.publicUrl ?? server.url)
      .replace('//0.0.0.0:', '//127.0.0.1:')
      .replace('//[::]:', '//[::1]:');
    const { text } = sampleInstructions(zero, base, await signSample(sampleUrl(base)), {
      adminUrl: server.adminUrl,
    });
    // The sample URL carries a working token: a terminal sees it, a log collector does not.
    await revealSecret(config.data, SECRET_FILES.sampleUrl, text, 'The sample signed URL');
  }
}

/**
 * Signal handling, installed before the server starts so that an early SIGHUP (e.g. from a
 * deployment tool) cannot kill the process with the default action: before the server is up,
 * SIGHUP is ignored and SIGTERM/SIGINT exit at once.
 */
function installSignals(): (server: RunningServer, afterClose: () => Promise<void>) => void {
  let current: RunningServer | null = null;
  let cleanup: () => Promise<void> = async () => {};
  process.on('SIGHUP', () => {
    current?.reloadKeys().catch(() => {
      // already logged by the key manager; the previous keys stay in use
    });
  });
  const stop = () => {
    if (!current) process.exit(0);
    current
      .close()
      .then(cleanup)
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return (server, afterClose) => {
    current = server;
    cleanup = afterClose;
  };
}
