/**
 * `portcullis cert KEY --out cert.pem`: wraps the public half of an RSA private key in a
 * self-signed X.509 certificate, for systems that take certificates rather than bare public keys.
 */
import {
  assertOutputFree,
  createSelfSignedCertificate,
  DEFAULT_CERTIFICATE_DAYS,
  loadPrivateKeyFile,
  readCertificateInfo,
  writePublicFile,
} from '../keys/index.js';
import { keySummaryLines, passphraseOptions, warnIfExposed } from './key-format.js';
import { CliError, type Command } from './run.js';

interface CertFlags {
  out: string;
  cn: string;
  days: string;
  passphraseFile?: string;
  force?: boolean;
}

function daysOption(value: string): number {
  const days = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > 36_500) {
    throw new CliError(`invalid --days "${value}": use a whole number of days from 1 to 36500`);
  }
  return days;
}

function cnOption(value: string): string {
  const ok = value.length >= 1 && value.length <= 64 && !/\p{Cc}/u.test(value);
  if (!ok) throw new CliError('invalid --cn: use 1 to 64 characters without control characters');
  return value;
}

/** Registers `portcullis cert`. */
export function register(program: Command): void {
  program
    .command('cert')
    .description('Make a self-signed X.509 certificate for an RSA private key.')
    .argument('<key>', 'RSA private key (PEM, DER, OpenSSH or JWK; encrypted is fine)')
    .requiredOption('--out <file>', 'where to write the certificate (PEM)')
    .option('--cn <name>', 'subject common name', 'Portcullis')
    .option(
      '--days <n>',
      "validity in days; the default is about ten years, the same as the admin API's certificates",
      String(DEFAULT_CERTIFICATE_DAYS),
    )
    .option('--passphrase-file <file>', 'file whose first line is the passphrase of <key>')
    .option('--force', 'replace <out> if it exists')
    .addHelpText(
      'after',
      `
Examples:
  $ portcullis cert portcullis-key.pem --out portcullis-cert.pem
  $ portcullis cert jamf.pem --out jamf-cert.pem --cn "Jamf JWT" --days 365

The certificate only carries the public key to systems that want X.509; it is not a TLS
certificate, so the 825-day limit for TLS does not apply, and Portcullis checks tokens against
the key, not the certificate's dates.
Check it with: openssl x509 -in portcullis-cert.pem -noout -text. See docs/keys.md.`,
    )
    .action(async (input: string, flags: CertFlags) => {
      const days = daysOption(flags.days);
      const commonName = cnOption(flags.cn);
      await assertOutputFree(flags.out, flags.force);
      const { key, format } = await loadPrivateKeyFile(
        input,
        passphraseOptions(flags.passphraseFile),
      );
      warnIfExposed(input, format);
      const pem = await createSelfSignedCertificate(key, { commonName, days });
      await writePublicFile(flags.out, pem, { force: flags.force === true });
      const info = readCertificateInfo(pem);
      const lines = [
        `Certificate: ${flags.out}`,
        `Subject:     ${info.subject}`,
        `Valid:       ${info.notBefore.toISOString()} to ${info.notAfter.toISOString()}`,
        `Cert SHA256: ${info.fingerprint}`,
        ...keySummaryLines(key),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
