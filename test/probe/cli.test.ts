// `portcullis probe` through the built binary: exit codes, table and JSON output, usage errors.
// Needs `npm run build` first (npm test does it).
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  fakeDistributionPoints,
  refuse401,
  runCli,
  serveFile,
  strictlyValid,
} from './fixtures.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const dps = fakeDistributionPoints();
let dir = '';
let keyFile = '';

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/cli/main.js is missing: run `npm run build` first');
  dir = await mkdtemp(join(tmpdir(), 'portcullis-probe-cli-'));
  keyFile = join(dir, 'key.pem');
  await writeFile(keyFile, privateKey.export({ type: 'pkcs1', format: 'pem' }));
  await writeFile(join(dir, 'pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
});
afterAll(async () => {
  await dps.closeAll();
  await rm(dir, { recursive: true, force: true });
});

describe('portcullis probe (CLI)', () => {
  it('exits 0 and prints a PASS table for a strict distribution point', async () => {
    const url = await dps.start((t) => (strictlyValid(t, publicKey) ? serveFile : refuse401));
    const { code, out, err } = await runCli(['probe', url, '--key', keyFile]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(
      /^alg-none\s+alg "none", empty signature\s+refused\s+401 TOKEN_REFUSED\s+PASS$/m,
    );
    expect(out).toMatch(/^valid\s+.*allowed\s+200 content\s+PASS$/m);
    expect(out).toMatch(/^OK: every hostile token was refused/m);
    expect(out).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  });

  it('exits 1 for a file server that checks nothing, with a JSON report', async () => {
    const url = await dps.start(() => serveFile);
    const { code, out } = await runCli(['probe', url, '--key', keyFile, '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(out) as { ok: boolean; summary: { failed: number } };
    expect(report.ok).toBe(false);
    expect(report.summary.failed).toBe(14);
  });

  it('says once that nothing answers at a dead port, sends nothing, and exits 1', async () => {
    const { code, out, err } = await runCli([
      'probe',
      'http://127.0.0.1:1/App.ipa',
      '--key',
      keyFile,
    ]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toBe(
      'portcullis: nothing answers at 127.0.0.1:1 (connection refused, ECONNREFUSED); check the URL and that the distribution point is running. Nothing was probed.\n',
    );
    const json = await runCli(['probe', 'http://127.0.0.1:1/App.ipa', '--key', keyFile, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toEqual({
      ok: false,
      unreachable: 'nothing answers at 127.0.0.1:1 (connection refused, ECONNREFUSED)',
    });
  });

  it('says in --help what it is for, and points at test-connection for the quick check', async () => {
    const { out: raw } = await runCli(['probe', '--help']);
    const out = raw.replace(/\s+/g, ' '); // commander wraps long lines
    expect(out).toContain('Security audit of a distribution point');
    expect(out).toContain('use test-connection');
  });

  it('exits 2 with a one-line message on usage errors', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['probe', 'http://127.0.0.1:1/x'], /required option '--key <file>'/],
      [['probe', 'ftp://host/x', '--key', keyFile], /PROBE_URL_INVALID/],
      [['probe', 'http://127.0.0.1:1/x', '--key', join(dir, 'nope.pem')], /nope\.pem/],
      [['probe', 'http://127.0.0.1:1/x', '--key', join(dir, 'pub.pem')], /portcullis: /],
      [['probe', 'http://127.0.0.1:1/x', '--key', keyFile, '--timeout', 'soon'], /--timeout/],
    ];
    for (const [args, message] of cases) {
      const { code, err, out } = await runCli(args);
      expect(code, args.join(' ')).toBe(2);
      expect(err, args.join(' ')).toMatch(message);
      expect(err).not.toMatch(/\n\s+at /); // no stack trace
      expect(out).toBe('');
    }
  });
});
