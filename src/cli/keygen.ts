/**
 * `portcullis keygen`: makes the RSA key pair Jamf Pro signs download tokens with, writes the
 * private key (0600, PKCS#1 by default: what `openssl genrsa` makes and Jamf Pro accepts) and the
 * public key beside it, then says what to do next.
 */
import {
  assertOutputFree,
  exportPrivateKeyPem,
  exportPublicKeyPem,
  generateRsaKeyPair,
  writePrivateKeyFile,
  writePublicFile,
} from '../keys/index.js';
import { keySummaryLines, privateFormatOption } from './key-format.js';
import { CliError, type Command } from './run.js';

interface KeygenFlags {
  bits: string;
  out: string;
  format: string;
  force?: boolean;
}

/** `key.pem` → `key.pub.pem`; other names get `.pub.pem` appended. */
export function publicPathFor(privatePath: string): string {
  return privatePath.endsWith('.pem')
    ? `${privatePath.slice(0, -4)}.pub.pem`
    : `${privatePath}.pub.pem`;
}

function bitsOption(value: string): 2048 | 3072 | 4096 {
  if (value === '2048' || value === '3072' || value === '4096') return Number(value) as 2048;
  throw new CliError(`invalid --bits "${value}": use 2048 (Jamf Pro default), 3072 or 4096`);
}

/** Registers `portcullis keygen`. */
export function register(program: Command): void {
  program
    .command('keygen')
    .description('Generate the RSA key pair Jamf Pro signs download tokens with.')
    .option('--bits <n>', 'key size: 2048, 3072 or 4096', '2048')
    .option(
      '--out <file>',
      'private key file (public key goes to <name>.pub.pem)',
      'portcullis-key.pem',
    )
    .option('--format <format>', 'pkcs1 (BEGIN RSA PRIVATE KEY, Jamf-ready) or pkcs8', 'pkcs1')
    .option('--force', 'replace existing output files')
    .addHelpText(
      'after',
      `
Examples:
  $ portcullis keygen
  $ portcullis keygen --out keys/jamf.pem --bits 3072
  $ portcullis keygen --out jamf.pem --format pkcs8 --force

The private key is written with mode 0600. Equivalent to: openssl genrsa -out key.pem 2048
See docs/keys.md.`,
    )
    .action(async (flags: KeygenFlags) => {
      const bits = bitsOption(flags.bits);
      const format = privateFormatOption(flags.format);
      const publicPath = publicPathFor(flags.out);
      // Check both outputs before generating, so a refusal never leaves one file behind.
      await assertOutputFree(flags.out, flags.force);
      await assertOutputFree(publicPath, flags.force);
      const { privateKey } = await generateRsaKeyPair(bits);
      const force = { force: flags.force === true };
      await writePrivateKeyFile(flags.out, exportPrivateKeyPem(privateKey, format), force);
      await writePublicFile(publicPath, exportPublicKeyPem(privateKey), force);
      const lines = [
        `Private key: ${flags.out} (${format === 'pkcs1' ? 'PKCS#1' : 'PKCS#8'}, mode 0600; keep it secret)`,
        `Public key:  ${publicPath}`,
        ...keySummaryLines(privateKey),
        '',
        'Next steps:',
        `  1. Jamf Pro: Settings → PKI Certificates → JSON Web Token Configuration → New;`,
        `     paste the contents of ${flags.out} as the private key.`,
        `  2. Give Portcullis the public key: ${publicPath}`,
        `  3. Test a download link: portcullis sign-url https://dp.example.com/file.pkg --key ${flags.out}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
