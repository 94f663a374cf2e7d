/**
 * `portcullis probe URL --key PRIVATE_KEY`: audits a distribution point from the outside with
 * hostile tokens and one valid token. Exit 0 = every hostile token refused and the valid one served,
 * 1 = the distribution point failed the audit, 2 = usage error.
 */
import { loadPrivateKeyFile } from '../keys/index.js';
import { formatProbeTable } from '../probe/format.js';
import { probeDistributionPoint } from '../probe/probe.js';
import { parseDuration } from '../token/duration.js';
import { CliError, type Command } from './run.js';

interface ProbeFlags {
  key: string;
  json?: boolean;
  passphraseFile?: string;
  timeout: string;
  insecure?: boolean;
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

/** Registers `portcullis probe`. */
export function register(program: Command): void {
  program
    .command('probe')
    .description(
      'Audit a distribution point: hostile tokens must be refused, a valid token must download.',
    )
    .argument('<url>', 'download URL of a real file on the distribution point (without token)')
    .requiredOption(
      '--key <file>',
      'the RSA private key Jamf signs with (PEM, PKCS#8, OpenSSH or JWK)',
    )
    .option('--passphrase-file <file>', 'file holding the passphrase of an encrypted key')
    .option('--json', 'print a machine-readable report instead of the table')
    .option('--timeout <duration>', 'per-request timeout', '10s')
    .option('--insecure', 'accept any TLS certificate (self-signed test servers)')
    .addHelpText(
      'after',
      '\nExit status: 0 all hostile tokens refused and the valid one served; 1 audit failed; 2 usage error.\nSee docs/probe.md.',
    )
    .action(async (url: string, flags: ProbeFlags) => {
      const ms = timeoutMs(flags.timeout);
      // Any private key form the keys module reads (PEM, PKCS#8, OpenSSH, JWK); errors name the file.
      const { key } = await loadPrivateKeyFile(flags.key, {
        ...(flags.passphraseFile ? { passphraseFile: flags.passphraseFile } : {}),
        promptPassphrase: true,
      });
      const report = await probeDistributionPoint(url, key, {
        timeoutMs: ms,
        insecure: flags.insecure ?? false,
      });
      process.stdout.write(
        flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatProbeTable(report),
      );
      process.exitCode = report.ok ? 0 : 1;
    });
}
