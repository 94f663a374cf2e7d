/**
 * `portcullis probe URL --key PRIVATE_KEY`: audits a distribution point from the outside with
 * hostile tokens and one valid token. Exit 0 = every hostile token refused and the valid one served,
 * 1 = the distribution point failed the audit, 2 = usage error.
 */
import { loadPrivateKeyFile } from '../keys/index.js';
import { formatProbeTable } from '../probe/format.js';
import { normaliseProbeUrl, probeDistributionPoint, probePathClaim } from '../probe/probe.js';
import { parseDuration } from '../token/duration.js';
import { unreachableReason } from './reachable.js';
import { CliError, type Command } from './run.js';

interface ProbeFlags {
  key: string;
  json?: boolean;
  passphraseFile?: string;
  timeout: string;
  insecure?: boolean;
  origin?: string;
}

function timeoutMs(text: string): number {
  try {
    const seconds = parseDuration(text);
    if (seconds > 0) return seconds * 1000;
  } catch {
    // fall through to the usage error below
  }
  throw new CliError(`invalid --timeout "${text}": use e.g. 10s or 1m`);
}

/** Says once that nothing answers (exit 1: the distribution point was not shown to be safe). */
function reportUnreachable(reason: string, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, unreachable: reason })}\n`);
  process.stderr.write(
    `portcullis: ${reason}; check the URL and that the distribution point is running. Nothing was probed.\n`,
  );
  process.exitCode = 1;
}

/** Registers `portcullis probe`. */
export function register(program: Command): void {
  program
    .command('probe')
    .description(
      'Security audit of a distribution point: 16 requests for one file with forged, expired, unsigned and key-confusion tokens must all be refused, and a valid token must download. For a quick check that a server trusts your key, use test-connection.',
    )
    .argument('<url>', 'download URL of a real file on the distribution point (without token)')
    .requiredOption(
      '--key <file>',
      'the RSA private key Jamf Pro signs with (PEM, PKCS#8, OpenSSH or JWK)',
    )
    .option('--passphrase-file <file>', 'file holding the passphrase of an encrypted key')
    .option('--json', 'print a machine-readable report instead of the table')
    .option('--timeout <duration>', 'per-request timeout', '10s')
    .option('--insecure', 'accept any TLS certificate (self-signed test servers)')
    .option(
      '--origin <url>',
      'the same file straight from its bucket or CDN (no token, no signature): it must be refused, since a public origin defeats every token check',
    )
    .addHelpText(
      'after',
      '\nUse it before going live and after any change to the server or its front end.\nExit status: 0 all hostile tokens refused and the valid one served; 1 audit failed or nothing answers at the URL; 2 usage error.\nSee docs/probe.md.',
    )
    .action(async (url: string, flags: ProbeFlags) => {
      const ms = timeoutMs(flags.timeout);
      // Any private key form the keys module reads (PEM, PKCS#8, OpenSSH, JWK); errors name the file.
      const { key } = await loadPrivateKeyFile(flags.key, {
        ...(flags.passphraseFile ? { passphraseFile: flags.passphraseFile } : {}),
        promptPassphrase: true,
      });
      // Nothing listening there: one line, not sixteen "no answer" rows (and no token sent).
      probePathClaim(url); // a URL that cannot be probed is a usage error, reachable or not
      const unreachable = await unreachableReason(normaliseProbeUrl(url), ms);
      if (unreachable !== null) return reportUnreachable(unreachable, flags.json === true);
      const report = await probeDistributionPoint(url, key, {
        timeoutMs: ms,
        insecure: flags.insecure ?? false,
        ...(flags.origin ? { origin: flags.origin } : {}),
      });
      process.stdout.write(
        flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatProbeTable(report),
      );
      process.exitCode = report.ok ? 0 : 1;
    });
}
