/**
 * `portcullis serve`: flags → validated ServeConfig (flags > PORTCULLIS_* > config file) → the
 * composition root (src/app/serve-process.ts), which builds the deployment shape, handles
 * signals and prints the start banner. docs/serve.md documents every flag shown here.
 */
import cluster from 'node:cluster';
import type { Command } from 'commander';
import { failWorker } from '../app/cluster.js';
import { serveProcess } from '../app/serve-process.js';
import { isRegisteredCode } from '../errors-table.js';
import { loadServeConfig, type ServeConfig } from '../server/config.js';
import { CliError } from './run.js';

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

/** Flags given on the command line only (defaults come from ServeConfig, so env and file can apply). */
/** Flags whose setting has another name: `--key` is repeatable and feeds `keys`. */
const FLAG_SETTINGS: Record<string, string> = { key: 'keys', database: 'databaseUrl' };

function givenFlags(cmd: Command): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(cmd.opts())) {
    // `--key` is repeatable and feeds the `keys` setting.
    if (cmd.getOptionValueSource(name) === 'cli') out[FLAG_SETTINGS[name] ?? name] = value;
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
      '--storage <location>',
      'content in a bucket instead of --root: s3://BUCKET[/PREFIX] (credentials from the AWS SDK chain, never a flag)',
    )
    .option(
      '--s3-endpoint <url>',
      'S3-compatible endpoint other than AWS (MinIO, Cloudflare R2, Ceph)',
    )
    .option(
      '--s3-region <region>',
      'bucket region (auto for R2; default: AWS_REGION or the profile)',
    )
    .option('--s3-path-style', 'path-style bucket URLs (host/bucket/key), as MinIO needs')
    .option(
      '--delivery <mode>',
      'from a bucket: stream (through Portcullis), redirect (302 to a presigned URL) or cloudfront (302 to a CloudFront signed URL); default stream',
    )
    .option(
      '--delivery-min-rate <rate>',
      'slowest download a redirect link must allow for, per second: 1MiB (default), 512KiB, 250000',
    )
    .option(
      '--cloudfront-domain <domain>',
      'CloudFront distribution domain for --delivery cloudfront',
    )
    .option(
      '--cloudfront-key-pair-id <id>',
      'ID of the CloudFront public key the links are signed for',
    )
    .option(
      '--cloudfront-private-key-file <file>',
      'PEM file of the RSA private key CloudFront links are signed with',
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
    .option(
      '--database <url>',
      'PostgreSQL store shared by several nodes: postgres://user@host:5432/db (sslmode in the URL); default: SQLite in --data',
    )
    .option('--database-ca <file>', 'PEM CA certificates the database server must chain to')
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
      '--auth <mode>',
      'what admits a download: token|client-cert|token-or-client-cert (default token); certificate modes need --client-ca',
    )
    .option(
      '--client-ca <file>',
      'PEM CA bundle device identity certificates (TLS client certificates) must chain to; HTTPS only',
    )
    .option(
      '--client-crl <file>',
      'PEM or DER CRLs of those CAs (reloaded on SIGHUP and when the file changes)',
    )
    .option(
      '--pinning-certs <file>',
      'PEM chain InstallEnterpriseApplication commands pin when TLS ends at a front server (default: the TLS certificate chain)',
    )
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

/**
 * Parses the settings (flags > PORTCULLIS_* > config file) and hands them to the composition
 * root; a coded start-up failure becomes the one line the CLI prints.
 */
async function runServe(flags: Record<string, unknown>): Promise<void> {
  let config: ServeConfig;
  try {
    config = loadServeConfig({ flags, env: process.env });
  } catch (err) {
    throw new CliError((err as Error).message.replace(/^portcullis: /, ''));
  }
  const dataGiven = flags.data !== undefined || Boolean(process.env.PORTCULLIS_DATA);
  try {
    await serveProcess(config, { dataGiven });
  } catch (err) {
    if (cluster.isWorker) throw err;
    // Registered codes only: their messages are user-safe. A Node system error (its message
    // holds a resolved absolute path) goes on to runCli, which names the path as typed.
    const e = err as { code?: unknown; message?: string };
    if (isRegisteredCode(e.code)) {
      throw new CliError(`${(e.message ?? '').replace(/^portcullis: /, '')} (${e.code})`);
    }
    throw err;
  }
}
