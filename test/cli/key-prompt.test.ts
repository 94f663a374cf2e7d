/**
 * The passphrase prompt on a real pseudo-terminal (`script` allocates one): the passphrase is
 * typed after the prompt appears, must never be echoed, and a wrong one may be retried twice.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixtureDir, makeRsaForms, PASSPHRASE } from '../keys/fixtures.js';
import { CLI, ensureBuilt } from './key-build.js';

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
const f = new FixtureDir();

beforeAll(() => {
  ensureBuilt();
  makeRsaForms(f);
}, 120_000);
afterAll(() => f.cleanup());

/** Runs the CLI on a pty, answering each passphrase prompt with the next entry of `answers`. */
function onTty(
  args: string[],
  answers: string[],
): Promise<{ status: number | null; output: string }> {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: f.dir });
  let output = '';
  let prompts = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const seen = output.split('Passphrase for ').length - 1;
    while (prompts < seen) {
      child.stdin.write(`${answers[prompts] ?? ''}\r`);
      prompts++;
    }
  });
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, output })));
}

describe.skipIf(!hasScript)('passphrase prompt on a terminal', () => {
  it('decrypts with the typed passphrase and never echoes it', async () => {
    const r = await onTty(['key', 'convert', 'enc-pkcs8.pem', '--out', 'typed.pem'], [PASSPHRASE]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain('Passphrase for enc-pkcs8.pem: ');
    expect(r.output).not.toContain(PASSPHRASE);
    expect(statSync(f.path('typed.pem')).mode & 0o777).toBe(0o600);
  });

  it('lets a wrong passphrase be retried', async () => {
    const r = await onTty(['key', 'show', 'enc-pkcs1.pem', '--pem'], ['not it', PASSPHRASE]);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain('Wrong passphrase, try again.');
    expect(r.output).toContain('-----BEGIN PUBLIC KEY-----');
  });

  it('gives up after three wrong passphrases with KEY_PASSPHRASE_WRONG (exit 2)', async () => {
    const r = await onTty(
      ['key', 'convert', 'enc-pkcs1.pem', '--out', 'never.pem'],
      ['a', 'b', 'c'],
    );
    expect(r.status).toBe(2);
    expect(r.output).toContain('KEY_PASSPHRASE_WRONG');
    expect(existsSync(f.path('never.pem'))).toBe(false);
  });
});
