/**
 * `portcullis key convert|show`: turns whatever key an admin has (OpenSSH, encrypted PEM, JWK…)
 * into the Jamf-ready PEM, and shows any key, certificate or JWKS as a summary, JWK, JWKS or PEM.
 */

import { KEY_ERRORS, KeyError } from '../keys/errors.js';
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
  describeAnyKey,
  FORMAT_NAMES,
  keySummaryLines,
  passphraseOptions,
  privateFormatOption,
  refusedSummaryLines,
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

A key that Portcullis refuses (for example RSA 1024 bits) is still described, with a
"Verdict: REFUSED" line naming the code and the fix; --jwk, --jwks and --pem refuse to export it.
Exit status: 0 every key usable; 1 a key is refused; 2 usage or file error.

Fingerprint = SHA-256 of the DER public key; compare with
  openssl pkey -pubin -in key.pub.pem -outform DER | openssl dgst -sha256 -c`,
    )
    .action(async (input: string, flags: ShowFlags) => {
      const modes = (['jwk', 'jwks', 'json', 'pem'] as const).filter((m) => flags[m] === true);
      if (modes.length > 1) throw new CliError('choose one of --jwk, --jwks, --json, --pem');
      const keys = await loadPublicKeysFile(input, {
        ...passphraseOptions(flags.passphraseFile),
        keepRefused: true,
      });
      warnIfExposed(input, keys[0]?.format ?? '');
      const refused = keys.find((k) => k.refusal !== undefined)?.refusal;
      // Exports are for use: a refused key is described (with its verdict), never exported.
      if (refused && (modes[0] === 'jwk' || modes[0] === 'jwks' || modes[0] === 'pem')) {
        throw refusedForExport(input, refused);
      }
      process.stdout.write(renderShow(input, keys, modes[0]));
      // Like verify: the command worked, the key it checked does not pass.
      if (refused) process.exitCode = 1;
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
      return json(keys.map(jsonDescription));
    case 'pem':
      return keys.map((k) => exportPublicKeyPem(k.key)).join('');
    default:
      return keys.map((k, i) => humanBlock(k, i, keys.length)).join('\n');
  }
}

function humanBlock(entry: ReadPublicKey, index: number, count: number): string {
  const lines = count > 1 ? [`Key ${index + 1} of ${count}`] : [];
  lines.push(`Source:      ${FORMAT_NAMES[entry.format] ?? entry.format}`);
  lines.push(...refusedSummaryLines(entry.key, entry.kid));
  lines.push(`Verdict:     ${verdictText(entry)}`);
  const pem = entry.key.asymmetricKeyType === 'rsa' ? exportPublicKeyPem(entry.key) : '';
  return `${lines.join('\n')}\n${pem}`;
}

/** One line: usable, or refused with the code, the reason and what to do. */
function verdictText(entry: ReadPublicKey): string {
  const r = entry.refusal;
  if (r === undefined) return 'usable for RS256 (Jamf Pro tokens)';
  const info = KEY_ERRORS[r.code as keyof typeof KEY_ERRORS];
  return info === undefined
    ? `REFUSED (${r.code})`
    : `REFUSED (${r.code}): ${info.message} ${info.remedy}`;
}

function jsonDescription(entry: ReadPublicKey): Record<string, unknown> {
  const verdict =
    entry.refusal === undefined
      ? { verdict: 'usable' }
      : {
          verdict: 'refused',
          code: entry.refusal.code,
          reason: KEY_ERRORS[entry.refusal.code as keyof typeof KEY_ERRORS]?.message,
        };
  if (entry.key.asymmetricKeyType !== 'rsa') {
    const { type, fingerprint } = describeAnyKey(entry.key);
    return { format: entry.format, type, fingerprint, ...verdict };
  }
  const { jwk, ...described } = describeKey(entry.key, kidOption(entry));
  // A refused key gets no ready-to-publish JWK (its alg RS256 would invite using it).
  return { format: entry.format, ...described, ...(entry.refusal ? {} : { jwk }), ...verdict };
}

function refusedForExport(input: string, refusal: Error & { code: string }): Error {
  const code = refusal.code as keyof typeof KEY_ERRORS;
  return KEY_ERRORS[code] === undefined ? refusal : new KeyError(code, input);
}

function kidOption(entry: ReadPublicKey): { kid?: string } {
  return entry.kid === undefined ? {} : { kid: entry.kid };
}
