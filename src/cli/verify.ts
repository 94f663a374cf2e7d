/**
 * `portcullis verify TOKEN_OR_URL --key K`: the same check the server runs, from the terminal.
 * Exit 0 valid, 1 invalid, 2 usage/input error. Also exports helpers `inspect` shares.
 */
import { loadVerificationKeys } from '../keys/index.js';
import { parseDuration, parseLeeway } from '../token/duration.js';
import { TOKEN_ERRORS, TokenError } from '../token/errors.js';
import { relativeTime } from '../token/inspect.js';
import type { VerificationKey } from '../token/key-ring.js';
import { createNodeVerifier } from '../token/node.js';
import type { VerifyOptions } from '../token/policy.js';
import { extractToken } from '../token/url.js';
import { CliError, type Command } from './run.js';

/** Policy flags shared by `verify` and `inspect`. */
export interface PolicyFlags {
  key?: string[];
  leeway: string;
  iss: string;
  sub: string;
  aud?: string[];
  json?: boolean;
  now?: string;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Adds --key/--leeway/--iss/--sub/--aud/--json/--now to a command. */
export function addPolicyOptions(cmd: Command): Command {
  return cmd
    .option(
      '--key <file>',
      'public key, certificate, JWK/JWKS or private key (repeatable)',
      collect,
    )
    .option(
      '--leeway <duration>',
      'clock skew tolerated for exp/nbf/iat: seconds (60) or a duration (90s, 1m)',
      '60',
    )
    .option('--iss <issuer>', 'required iss ("*" = any)', 'JSS')
    .option('--sub <subject>', 'required sub ("*" = any)', 'AppManifest')
    .option('--aud <audience>', 'required aud (repeat to accept several)', collect)
    .option(
      '--now <time>',
      'check as of another time: unix seconds, an ISO time, or an offset such as +20m (troubleshooting)',
    )
    .option('--json', 'machine-readable output');
}

/**
 * Text from a token made safe for a terminal: control characters (ESC sequences could rewrite the
 * screen) and bidi overrides (could disguise a value) are shown as \u escapes.
 */
export function printable(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
    /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Reads the TOKEN_OR_URL argument; `-` reads stdin. */
export async function readTokenArgument(arg: string): Promise<string> {
  let text = arg;
  if (arg === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin) {
      size += (chunk as Buffer).length;
      if (size > 1024 * 1024)
        throw new CliError('stdin is larger than 1 MiB; expected one token or URL');
      chunks.push(chunk as Buffer);
    }
    text = Buffer.concat(chunks).toString('utf8');
  }
  return extractToken(text);
}

/** Turns policy flags into VerifyOptions and a check time. */
export function policyFromFlags(flags: PolicyFlags): { options: VerifyOptions; now: number } {
  let leeway: number;
  try {
    leeway = parseLeeway(flags.leeway);
  } catch {
    throw new CliError(
      `invalid --leeway "${flags.leeway}": give seconds (60) or a duration (90s, 1m), at most 1h`,
    );
  }
  const now = flags.now === undefined ? Date.now() / 1000 : parseNow(flags.now, Date.now() / 1000);
  const options: VerifyOptions = {
    leewaySeconds: leeway,
    issuer: flags.iss === '*' ? null : flags.iss,
    subject: flags.sub === '*' ? null : flags.sub,
    ...(flags.aud === undefined ? {} : { audience: flags.aud }),
  };
  return { options, now };
}

/**
 * The time `--now` names: unix seconds (`1795945219`), an ISO 8601 time
 * (`2026-12-05T12:00:00Z`), or an offset from now (`+20m`, `-1h`), so an admin can see how a
 * token fares later ("will it have expired when the device gets it?") without a calculator.
 * @example parseNow('+20m', 1000) // 2200
 */
export function parseNow(text: string, current: number): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const offset = /^([+-])(.+)$/.exec(text);
  if (offset) {
    try {
      const seconds = parseDuration(offset[2]!);
      return offset[1] === '+' ? current + seconds : current - seconds;
    } catch {
      // reported below
    }
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text))) {
    return Date.parse(text) / 1000;
  }
  throw new CliError(
    `invalid --now "${text}": give unix seconds, an ISO time (2026-12-05T12:00:00Z) or an offset (+20m, -1h)`,
  );
}

/** Loads every --key file into one list of verification keys. */
export async function loadKeys(files: string[] | undefined): Promise<VerificationKey[]> {
  const keys: VerificationKey[] = [];
  for (const file of files ?? []) keys.push(...(await loadVerificationKeys(file)));
  return keys;
}

function printValid(claims: Record<string, unknown>, key: VerificationKey, now: number): void {
  const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
  const lines = [
    '✓ valid token',
    `  key      ${key.label ?? '(unnamed)'}${key.kid ? ` (kid ${key.kid})` : ''}`,
    `  sub      ${printable(claims.sub)}`,
    `  iss      ${printable(claims.iss)}`,
  ];
  if (exp !== undefined) {
    lines.push(`  expires  ${new Date(exp * 1000).toISOString()} (${relativeTime(exp, now)})`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Registers `portcullis verify`. */
export function register(program: Command): void {
  addPolicyOptions(
    program
      .command('verify')
      .description('Verify a token (or a download URL carrying one) like the server does.')
      .argument('<token-or-url>', 'the token, a URL with ?token=, or - for stdin'),
  )
    .addHelpText('after', '\nExit status: 0 valid; 1 invalid; 2 usage or key-file error.')
    .action(async (arg: string, flags: PolicyFlags) => {
      if (!flags.key?.length) throw new CliError('verify needs at least one --key');
      const { options, now } = policyFromFlags(flags);
      const keys = await loadKeys(flags.key);
      try {
        const result = createNodeVerifier(keys, { ...options, cache: false }).verify(
          await readTokenArgument(arg),
          now,
        );
        if (flags.json) {
          const out = {
            valid: true,
            claims: result.claims,
            kid: result.key.kid ?? null,
            key: result.key.label ?? null,
          };
          process.stdout.write(`${JSON.stringify(out)}\n`);
        } else printValid(result.claims, result.key, now);
      } catch (err) {
        if (!(err instanceof TokenError)) throw err;
        process.exitCode = 1;
        if (flags.json) {
          const out = {
            valid: false,
            code: err.code,
            message: err.message,
            ...(err.claim ? { claim: err.claim } : {}),
          };
          process.stdout.write(`${JSON.stringify(out)}\n`);
        } else {
          process.stdout.write(
            `✗ invalid token: ${err.code}\n  ${err.message}\n  ${TOKEN_ERRORS[err.code].remedy}\n`,
          );
        }
      }
    });
}
