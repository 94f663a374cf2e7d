/**
 * `portcullis inspect TOKEN_OR_URL [--key K]`: shows header, claims and times, and every check
 * with its verdict (✓ passed, ✗ failed, – not checked), for debugging a refused download.
 * Exit 0 when nothing failed, 1 when a check failed, 2 on usage or key-file errors.
 */
import { explainToken, type TokenExplanation } from '../token/inspect.js';
import { KeyRing } from '../token/key-ring.js';
import { nodeSignatureBackend } from '../token/node.js';
import type { Command } from './run.js';
import {
  addPolicyOptions,
  loadKeys,
  type PolicyFlags,
  policyFromFlags,
  printable,
  readTokenArgument,
} from './verify.js';

const MARK = { true: '✓', false: '✗', null: '–' } as const;

function formatObject(value: Record<string, unknown> | null): string[] {
  if (value === null) return ['  (not decodable)'];
  // JSON.stringify escapes control characters in values; names need the same care.
  return Object.entries(value).map(
    ([k, v]) => `  ${printable(k)}: ${printable(JSON.stringify(v))}`,
  );
}

/** Human rendering of an explanation. */
export function formatExplanation(e: TokenExplanation): string {
  const lines = ['Header', ...formatObject(e.header), 'Claims', ...formatObject(e.claims)];
  const times = Object.entries(e.times);
  if (times.length > 0) {
    lines.push('Times');
    for (const [name, t] of times) lines.push(`  ${name}: ${t.iso} (${t.relative})`);
  }
  lines.push('Checks');
  for (const c of e.checks) {
    const code = c.code ? ` ${c.code}:` : '';
    lines.push(
      `  ${MARK[String(c.ok) as 'true' | 'false' | 'null']} ${c.name.padEnd(10)}${code} ${c.message}`,
    );
  }
  const verdict =
    e.valid === true
      ? 'valid'
      : e.valid === false
        ? 'INVALID'
        : 'signature not checked (give --key)';
  lines.push(`Verdict: ${verdict}`);
  return `${lines.join('\n')}\n`;
}

/** Registers `portcullis inspect`. */
export function register(program: Command): void {
  addPolicyOptions(
    program
      .command('inspect')
      .description(
        'Explain a token: header, claims, times and each check (signature only with --key).',
      )
      .argument('<token-or-url>', 'the token, a URL with ?token=, or - for stdin'),
  )
    .addHelpText(
      'after',
      '\nExit status: 0 no check failed; 1 a check failed; 2 usage or key-file error.',
    )
    .action(async (arg: string, flags: PolicyFlags) => {
      const { options, now } = policyFromFlags(flags);
      const keys = await loadKeys(flags.key);
      const explanation = explainToken(await readTokenArgument(arg), {
        options,
        now,
        ...(keys.length > 0 ? { keyRing: new KeyRing(keys), backend: nodeSignatureBackend } : {}),
      });
      if (explanation.valid === false) process.exitCode = 1;
      process.stdout.write(
        flags.json ? `${JSON.stringify(explanation)}\n` : formatExplanation(explanation),
      );
    });
}
