/**
 * `portcullis key convert|show`: turns whatever key an admin has (OpenSSH, encrypted PEM, JWK…)
 * into the Jamf-ready PEM, and shows any key, certificate or JWKS as a summary, JWK, JWKS or PEM.
 */
import {
  describeKey,
  exportPrivateKeyPem,
  exportPublicKeyPem,
  jwks,
  loadPrivateKeyFile,
  loadPublicKeysFile,
  publicJwk,
  type ReadPublicKey,
  writePrivateKeyFile,
} from '../keys/index.js';
import {
  FORMAT_NAMES,
  keySummaryLines,
  passphraseOptions,
  privateFormatOption,
  warnIfExposed,
} from './key-format.js';
import { CliError, type Command } from './run.js';

interface ConvertFlags {
  out: string;
  format: string;
  passphraseFile?: string;
  force?: boolean;
}

interface ShowFlags {
  jwk?: boolean;
  jwks?: boolean;
  json?: boolean;
  pem?: boolean;
  passphraseFile?: string;
}

/** Registers `portcullis key` with its `convert` and `show` subcommands. */
export function register(program: Command): void {
  const key = program
    .command('key')
    .description('Convert and inspect keys (PEM, DER, OpenSSH, JWK/JWKS, certificates).');
  registerConvert(key);
  registerShow(key);
}

function registerConvert(key: Command): void {
  key
    .command('convert')
    .description(
      'Convert any supported private key into the PEM Jamf Pro takes (unencrypted, 0600).',
    )
    .argument('<in>', 'private key: PKCS#1/PKCS#8 PEM (encrypted or not), DER, OpenSSH or JWK')
    .requiredOption('--out <file>', 'where to write the converted private key')
    .option('--format <format>', 'pkcs1 (BEGIN RSA PRIVATE KEY, Jamf-ready) or pkcs8', 'pkcs1')
    .option('--passphrase-file <file>', 'file whose first line is the passphrase of <in>')
    .option('--force', 'replace <out> if it exists')
    .addHelpText(
      'after',
      `
Examples:
  $ portcullis key convert ~/.ssh/id_rsa --out jamf.pem
  $ portcullis key convert encrypted.pem --passphrase-file pass.txt --out jamf.pem
  $ portcullis key convert key.jwk.json --out key.pem --format pkcs8

Without --passphrase-file an encrypted key's passphrase is asked for on the terminal.
The output is NOT encrypted (Jamf Pro needs the plain key): keep it secret. See docs/keys.md.`,
    )
    .action(async (input: string, flags: ConvertFlags) => {
      const format = privateFormatOption(flags.format);
      const read = await loadPrivateKeyFile(input, passphraseOptions(flags.passphraseFile));
      warnIfExposed(input, read.format);
      const force = { force: flags.force === true };
      await writePrivateKeyFile(flags.out, exportPrivateKeyPem(read.key, format), force);
      const lines = [
        `Read:  ${input} (${FORMAT_NAMES[read.format] ?? read.format})`,
        `Wrote: ${flags.out} (${format === 'pkcs1' ? 'PKCS#1' : 'PKCS#8'}, unencrypted, mode 0600)`,
        ...keySummaryLines(read.key),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

function registerShow(key: Command): void {
  key
    .command('show')
    .description('Show a key, certificate or JWKS: type, size, fingerprint, kid and public key.')
    .argument('<key>', 'any private or public key form, certificate, JWK or JWKS')
    .option('--jwk', 'print the public JWK (one key only)')
    .option('--jwks', 'print a JWKS of all keys')
    .option('--json', 'print a JSON array of key descriptions')
    .option('--pem', 'print only the public key(s) as PEM (BEGIN PUBLIC KEY)')
    .option(
      '--passphrase-file <file>',
      'file whose first line is the passphrase of an encrypted key',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ portcullis key show portcullis-key.pem
  $ portcullis key show jamf.pem --jwks > jwks.json
  $ portcullis key show cert.pem --pem > key.pub.pem
  $ portcullis key show ~/.ssh/id_rsa.pub --json

Fingerprint = SHA-256 of the DER public key; compare with
  openssl pkey -pubin -in key.pub.pem -outform DER | openssl dgst -sha256 -c`,
    )
    .action(async (input: string, flags: ShowFlags) => {
      const modes = (['jwk', 'jwks', 'json', 'pem'] as const).filter((m) => flags[m] === true);
      if (modes.length > 1) throw new CliError('choose one of --jwk, --jwks, --json, --pem');
      const keys = await loadPublicKeysFile(input, passphraseOptions(flags.passphraseFile));
      warnIfExposed(input, keys[0]?.format ?? '');
      process.stdout.write(renderShow(input, keys, modes[0]));
    });
}

function renderShow(
  input: string,
  keys: ReadPublicKey[],
  mode: 'jwk' | 'jwks' | 'json' | 'pem' | undefined,
): string {
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  switch (mode) {
    case 'jwk':
      if (keys.length > 1) throw new CliError(`${input} holds ${keys.length} keys: use --jwks`);
      return json(publicJwk(keys[0]!.key, kidOption(keys[0]!)));
    case 'jwks':
      return json(jwks(keys.map((k) => ({ key: k.key, ...kidOption(k) }))));
    case 'json':
      return json(keys.map((k) => ({ format: k.format, ...describeKey(k.key, kidOption(k)) })));
    case 'pem':
      return keys.map((k) => exportPublicKeyPem(k.key)).join('');
    default:
      return keys.map((k, i) => humanBlock(k, i, keys.length)).join('\n');
  }
}

function humanBlock(entry: ReadPublicKey, index: number, count: number): string {
  const lines = count > 1 ? [`Key ${index + 1} of ${count}`] : [];
  lines.push(`Source:      ${FORMAT_NAMES[entry.format] ?? entry.format}`);
  lines.push(...keySummaryLines(entry.key, entry.kid));
  return `${lines.join('\n')}\n${exportPublicKeyPem(entry.key)}`;
}

function kidOption(entry: ReadPublicKey): { kid?: string } {
  return entry.kid === undefined ? {} : { kid: entry.kid };
}
