/**
 * `portcullis probe URL --key PRIVATE_KEY`: audits a distribution point from the outside with
 * hostile tokens and one valid token. Exit 0 = every hostile token refused and the valid one served,
 * 1 = the distribution point failed the audit, 2 = usage error.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { probeDistributionPoint } from '../server/probe.js';
import { formatProbeTable } from '../server/probe-format.js';
import { parseDuration } from '../token/duration.js';
import { CliError, type Command } from './run.js';

interface ProbeFlags {
  key: string;
  json?: boolean;
  passphraseFile?: string;
  timeout: string;
  insecure?: boolean;
}

/** Reads the signing key; the file name is echoed, never its content. */
async function loadKey(path: string, passphraseFile?: string): Promise<KeyObject> {
  let pem: string;
  let passphrase: string | undefined;
  try {
    pem = await readFile(path, 'utf8');
    if (passphraseFile) passphrase = (await readFile(passphraseFile, 'utf8')).replace(/\r?\n$/, '');
  } catch {
    throw new CliError(
      `cannot read key file "${path}"${passphraseFile ? ' or its passphrase file' : ''}`,
    );
  }
  try {
    return createPrivateKey(passphrase === undefined ? pem : { key: pem, passphrase });
  } catch {
    throw new CliError(
      `"${path}" is not a usable private key (PEM; pass --passphrase-file if it is encrypted)`,
    );
  }
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
    .requiredOption('--key <file>', 'the RSA private key Jamf signs with (PEM)')
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
      const key = await loadKey(flags.key, flags.passphraseFile);
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
