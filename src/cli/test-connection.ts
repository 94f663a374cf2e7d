/**
 * `portcullis test-connection --server URL --key PRIVATE_KEY`: checks that a server protected by
 * Portcullis (or any Jamf-token verifier) accepts a valid token and refuses a tampered one
 * (one signature byte flipped) and an expired one. Exit 0 only when valid → 2xx and the others
 * → 401/403; 1 when the server answered otherwise (or not at all); 2 for usage errors.
 */
import type { KeyObject } from 'node:crypto';
import { loadPrivateKeyFile } from '../keys/files.js';
import { keyFingerprint } from '../keys/fingerprint.js';
import { fetchPrefix } from '../probe/request.js';
import { decodeBase64Url, encodeBase64Url } from '../token/base64url.js';
import { parseDuration } from '../token/duration.js';
import { signToken } from '../token/sign.js';
import { addTokenToUrl } from '../token/url.js';
import { unreachableReason } from './reachable.js';
import { CliError, type Command } from './run.js';

/** One check of the connection test. */
export interface ConnectionCheck {
  name: 'valid' | 'tampered' | 'expired';
  expected: 'accept' | 'refuse';
  status: number | null;
  /** Problem code from a JSON refusal body, when the server sent one. */
  code?: string;
  error?: string;
  ok: boolean;
}

/** Flips one bit in the first signature byte, so the token is well-formed but forged. */
export function tamperSignature(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const bytes = decodeBase64Url(signature) ?? new Uint8Array(1);
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return `${header}.${payload}.${encodeBase64Url(bytes)}`;
}

/** The three tokens: valid (5 minutes), tampered, expired (an hour ago, beyond any leeway). */
export function connectionTokens(
  key: KeyObject,
  nowSec: number,
): Record<ConnectionCheck['name'], string> {
  const valid = signToken(key, { expiresIn: '5m', now: nowSec });
  return {
    valid,
    tampered: tamperSignature(valid),
    expired: signToken(key, { expiresIn: '5m', now: nowSec - 3600 }),
  };
}

function codeOf(body: Buffer, contentType: string | undefined): string | undefined {
  if (!contentType || !/json/i.test(contentType)) return undefined;
  try {
    const code = (JSON.parse(body.toString('utf8')) as { code?: unknown }).code;
    return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the three checks against `server` (a download URL without token). */
export async function testConnection(
  server: string,
  key: KeyObject,
  opts: { timeoutMs: number; insecure?: boolean; nowSec?: number },
): Promise<ConnectionCheck[]> {
  const tokens = connectionTokens(key, opts.nowSec ?? Math.floor(Date.now() / 1000));
  const checks: ConnectionCheck[] = [];
  for (const name of ['valid', 'tampered', 'expired'] as const) {
    const expected = name === 'valid' ? 'accept' : 'refuse';
    const exchange = await fetchPrefix(new URL(addTokenToUrl(server, tokens[name])), {
      maxBytes: (status) => (status >= 400 ? 4096 : 0),
      timeoutMs: opts.timeoutMs,
      insecure: opts.insecure ?? false,
    });
    const status = exchange.status;
    const ok =
      status !== null &&
      (expected === 'accept' ? status >= 200 && status < 300 : status === 401 || status === 403);
    const code = codeOf(exchange.body, exchange.contentType);
    checks.push({
      name,
      expected,
      status,
      ok,
      ...(code ? { code } : {}),
      ...(exchange.error ? { error: exchange.error } : {}),
    });
  }
  return checks;
}

/** The URL the checks request, as shown to the user: without any token, without credentials. */
export function checkedUrl(server: string): string {
  const url = new URL(server);
  url.searchParams.delete('token');
  url.username = '';
  url.password = '';
  url.hash = '';
  return url.href;
}

/** Formats the checks as a fixed-width table, headed by what was checked: the URL and the key. */
export function formatConnectionTable(
  server: string,
  checks: ConnectionCheck[],
  key?: { file: string; fingerprint: string },
): string {
  const rows = checks.map((c) => [
    c.name,
    c.expected,
    c.status === null ? (c.error ?? 'no answer') : String(c.status),
    c.code ?? '',
    c.ok ? 'ok' : 'FAIL',
  ]);
  const head = ['token', 'expected', 'status', 'code', 'result'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const verdict = checks.every((c) => c.ok)
    ? 'PASS: valid token accepted, forged and expired tokens refused.'
    : 'FAIL: the server does not enforce tokens as expected.';
  const heading = [`Checked ${checkedUrl(server)}`];
  if (key) heading.push(`   with ${key.file} (SHA256 ${key.fingerprint})`);
  return `${heading.join('\n')}\n${[line(head), ...rows.map(line)].join('\n')}\n${verdict}\n`;
}

interface Flags {
  server: string;
  key: string;
  json?: boolean;
  passphraseFile?: string;
  timeout: string;
  insecure?: boolean;
}

function parseServer(text: string): string {
  if (!URL.canParse(text) || !/^https?:$/.test(new URL(text).protocol)) {
    throw new CliError(
      'invalid --server: give the http(s) URL of a protected file, e.g. https://dp.example.com/apps/App.ipa',
    );
  }
  return text;
}

/** Registers `portcullis test-connection`. */
export function register(program: Command): void {
  program
    .command('test-connection')
    .description(
      'Quick check that a server trusts your key: three requests for one protected file (a valid token must be accepted, a tampered and an expired one refused). For a full security audit, use probe.',
    )
    .requiredOption('--server <url>', 'URL of a protected file on the server (without token)')
    .requiredOption(
      '--key <file>',
      'the RSA private key tokens are signed with, e.g. the one you gave Jamf Pro (PEM, PKCS#8, OpenSSH or JWK)',
    )
    .option('--passphrase-file <file>', 'file holding the passphrase of an encrypted key')
    .option('--json', 'print a JSON report instead of the table')
    .option('--timeout <duration>', 'per-request timeout', '10s')
    .option('--insecure', 'accept any TLS certificate (self-signed test servers)')
    .addHelpText(
      'after',
      '\nUse it right after setting up a key, to see that the server and Jamf Pro agree on it.\nExit status: 0 all three as expected; 1 the server misbehaved or nothing answers at the URL; 2 usage error.\nSee docs/probe.md#test-connection.',
    )
    .action(async (flags: Flags) => {
      const server = parseServer(flags.server);
      let timeoutMs: number;
      try {
        timeoutMs = parseDuration(flags.timeout) * 1000;
      } catch {
        throw new CliError(`invalid --timeout "${flags.timeout}": use e.g. 10s`);
      }
      const { key } = await loadPrivateKeyFile(
        flags.key,
        flags.passphraseFile ? { passphraseFile: flags.passphraseFile } : {},
      );
      const checked = checkedUrl(server);
      const unreachable = await unreachableReason(new URL(checked), Math.max(timeoutMs, 1));
      if (unreachable !== null) {
        if (flags.json) {
          const out = { server: checked, ok: false, unreachable };
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        }
        process.stderr.write(
          `portcullis: ${unreachable}; check --server and that the server is running. Nothing was sent.\n`,
        );
        process.exitCode = 1;
        return;
      }
      const checks = await testConnection(server, key, {
        timeoutMs: Math.max(timeoutMs, 1),
        insecure: flags.insecure ?? false,
      });
      const ok = checks.every((c) => c.ok);
      const fingerprint = keyFingerprint(key);
      process.stdout.write(
        flags.json
          ? `${JSON.stringify({ server: checked, key: { file: flags.key, fingerprint }, ok, checks }, null, 2)}\n`
          : formatConnectionTable(server, checks, { file: flags.key, fingerprint }),
      );
      process.exitCode = ok ? 0 : 1;
    });
}
