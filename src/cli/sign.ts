/**
 * `portcullis sign --key KEY`: prints a Jamf-shaped RS256 token, for testing a distribution point
 * or scripting downloads. Also exports the option parsing `sign-url` shares.
 */
import { loadPrivateKeyFile } from '../keys/index.js';
import { parseDuration } from '../token/duration.js';
import { type SignOptions, signToken } from '../token/sign.js';
import { CliError, type Command } from './run.js';

/** Flags common to `sign` and `sign-url`. */
export interface SignFlags {
  key: string;
  expires: string;
  iss: string;
  sub: string;
  aud?: string[];
  kid?: string;
  claim: string[];
  passphraseFile?: string;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses `name=value`; the value is JSON when it parses as JSON, else the raw string. */
export function parseClaim(text: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new CliError(`invalid --claim "${text}": use name=value`);
  const name = text.slice(0, eq);
  const raw = text.slice(eq + 1);
  try {
    return [name, JSON.parse(raw)];
  } catch {
    return [name, raw];
  }
}

/** Adds the signing options to a command. */
export function addSignOptions(cmd: Command): Command {
  return cmd
    .requiredOption(
      '--key <file>',
      'RSA private key (PEM, PKCS#8, OpenSSH or JWK), as made by `openssl genrsa`',
    )
    .option('--expires <duration>', 'lifetime, e.g. 90s, 15m, 1h30m, 1d', '15m')
    .option('--iss <issuer>', 'iss claim', 'JSS')
    .option('--sub <subject>', 'sub claim', 'AppManifest')
    .option('--aud <audience>', 'aud claim (repeat for several)', collect)
    .option('--kid <kid>', 'kid header parameter (Jamf sends none)')
    .option(
      '--claim <name=value>',
      'extra claim; value parsed as JSON when valid (repeatable)',
      collect,
      [],
    )
    .option('--passphrase-file <file>', 'file whose first line is the key passphrase');
}

/** Loads the key and signs according to the flags; usage problems become CliError. */
export async function signFromFlags(flags: SignFlags): Promise<string> {
  let expiresIn: number;
  try {
    expiresIn = parseDuration(flags.expires);
  } catch (err) {
    throw new CliError(`invalid --expires: ${(err as Error).message}`);
  }
  if (expiresIn <= 0) throw new CliError('invalid --expires: the lifetime must be positive');
  const { key } = await loadPrivateKeyFile(flags.key, {
    ...(flags.passphraseFile === undefined ? {} : { passphraseFile: flags.passphraseFile }),
    promptPassphrase: true,
  });
  const aud = flags.aud;
  const opts: SignOptions = {
    expiresIn,
    issuer: flags.iss,
    subject: flags.sub,
    claims: Object.fromEntries(flags.claim.map(parseClaim)),
    ...(aud === undefined ? {} : { audience: aud.length === 1 ? aud[0]! : aud }),
    ...(flags.kid === undefined ? {} : { kid: flags.kid }),
  };
  try {
    return signToken(key, opts);
  } catch (err) {
    // signToken throws TypeError for a short/non-RSA key or a reserved --claim name.
    if (err instanceof TypeError || err instanceof RangeError) throw new CliError(err.message);
    throw err;
  }
}

/** Registers `portcullis sign`. */
export function register(program: Command): void {
  addSignOptions(
    program
      .command('sign')
      .description(
        'Print a Jamf-shaped RS256 token ({"alg":"RS256"}; sub AppManifest, iss JSS, exp).',
      ),
  ).action(async (flags: SignFlags) => {
    process.stdout.write(`${await signFromFlags(flags)}\n`);
  });
}
