/**
 * `portcullis test-connection` through the real binary against real servers on 127.0.0.1:
 * a Portcullis content listener (exit 0), a server that lets every token through (exit 1),
 * usage errors (exit 2), and an encrypted key read with --passphrase-file.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/serve.js';
import { CLI, ensureBuilt } from '../helpers/dist.js';

function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd: dir }, (err, stdout, stderr) => {
      done({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
let server: RunningServer;
let lax: Server;
let laxUrl: string;

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'portcullis-test-connection-'));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
  writeFileSync(
    join(dir, 'enc.pem'),
    privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'pass phrase',
    }),
  );
  writeFileSync(join(dir, 'pass.txt'), 'pass phrase\n');
  writeFileSync(join(dir, 'pub.pem'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
  mkdirSync(join(dir, 'content'));
  writeFileSync(join(dir, 'content', 'App Name.ipa'), 'IPA');
  server = await startServer({
    root: join(dir, 'content'),
    keys: [join(dir, 'pub.pem')],
    port: 0,
    admin: false,
    workers: 1,
    logLevel: 'silent',
  });
  lax = createServer((_req, res) => res.writeHead(200).end('anything goes'));
  laxUrl = await new Promise((r) =>
    lax.listen(0, '127.0.0.1', () =>
      r(`http://127.0.0.1:${(lax.address() as AddressInfo).port}/a.ipa`),
    ),
  );
}, 120_000);
afterAll(async () => {
  await server?.close();
  await new Promise((r) => lax?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('portcullis test-connection', () => {
  it('exits 0 when the valid token is served and the tampered and expired ones refused', async () => {
    const r = await cli(
      'test-connection',
      '--server',
      `${server.url}/App%20Name.ipa`,
      '--key',
      'key.pem',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/valid\s+accept\s+200\s+ok/);
    expect(r.stdout).toMatch(/tampered\s+refuse\s+401\s+\S*\s*ok/);
    expect(r.stdout).toMatch(/expired\s+refuse\s+401\s+\S*\s*ok/);
    expect(r.stdout).toContain('PASS');
    expect(r.stdout).not.toContain('eyJ');
    // It says what it checked: the whole URL (not just the origin) and which key.
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`Checked ${server.url}/App%20Name.ipa`);
    expect(lines[1]).toMatch(/^ {3}with key\.pem \(SHA256 [0-9A-F:]{95}\)$/);
  });

  it('reports JSON with refusal codes and reads encrypted keys with --passphrase-file', async () => {
    const r = await cli(
      'test-connection',
      '--server',
      `${server.url}/App%20Name.ipa`,
      '--key',
      'enc.pem',
      '--passphrase-file',
      'pass.txt',
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      checks: Array<{ name: string; status: number; ok: boolean; code?: string }>;
    };
    expect(report.ok).toBe(true);
    expect((report as unknown as { server: string }).server).toBe(`${server.url}/App%20Name.ipa`);
    expect(report.checks.map((c) => c.name)).toEqual(['valid', 'tampered', 'expired']);
    expect(report.checks[2]?.code).toBe('TOKEN_EXPIRED');
  });

  it('exits 1 for a server that accepts forged and expired tokens', async () => {
    const r = await cli('test-connection', '--server', laxUrl, '--key', 'key.pem');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/tampered\s+refuse\s+200\s+FAIL/);
    expect(r.stdout).toContain('FAIL: the server does not enforce tokens');
  });

  it('exits 1 when the server does not answer', async () => {
    const r = await cli(
      'test-connection',
      '--server',
      laxUrl.replace(/:\d+\//, ':1/'),
      '--key',
      'key.pem',
      '--timeout',
      '2s',
    );
    expect(r.status).toBe(1);
    // Said once, on stderr, with the address; no table of three "no answer" rows.
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `portcullis: nothing answers at ${new URL(laxUrl).hostname}:1 (connection refused, ECONNREFUSED); check --server and that the server is running. Nothing was sent.\n`,
    );
  });

  it('says in --help what it is for, and points at probe for the full audit', async () => {
    const r = await cli('test-connection', '--help');
    r.stdout = r.stdout.replace(/\s+/g, ' '); // commander wraps long lines
    expect(r.stdout).toContain('Quick check that a server trusts your key');
    expect(r.stdout).toContain('use probe');
    expect(r.stdout).not.toContain('src/');
  });

  it('exits 2 for usage errors', async () => {
    const runs = await Promise.all([
      cli('test-connection', '--server', 'ftp://x/a', '--key', 'key.pem'),
      cli('test-connection', '--server', laxUrl, '--key', 'missing.pem'),
      cli('test-connection', '--server', laxUrl, '--key', 'enc.pem'),
      cli('test-connection', '--key', 'key.pem'),
    ]);
    expect(runs.map((r) => r.status)).toEqual([2, 2, 2, 2]);
  });
});
