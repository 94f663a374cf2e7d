/**
 * `portcullis edge build` from the outside: the built binary writes a bundle a platform can run,
 * refuses private keys and bad options with codes, and the Worker bundle reaches for no Node.js
 * built-in and fits the size budget.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { edgeConfigFromFlags } from '../../src/cli/edge.js';
import { assertNoNodeImports, bundle } from '../../src/edge/build.js';
import { CLI, ensureBuilt } from '../helpers/dist.js';
import { buildBundle, keyFile, startOrigin, tempDir } from './helpers.js';

const dir = tempDir();
const trusted = keyFile(dir, 'jamf.pem');

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'edge', 'build', ...args], {
    cwd: dir,
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  ensureBuilt();
});

describe('edge build (CLI)', () => {
  it('writes worker.js, wrangler.toml and README.md, and says how big the bundle is', () => {
    const r = run([
      '--target',
      'cloudflare',
      '--key',
      'jamf.pem',
      '--origin',
      'https://files.example.com/apps',
      '--out',
      'cf',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cloudflare bundle: .*worker\.js \([\d.]+ KiB, [\d.]+ KiB gzipped\)/);
    for (const name of ['worker.js', 'wrangler.toml', 'README.md'])
      expect(existsSync(join(dir, 'cf', name))).toBe(true);
    expect(readFileSync(join(dir, 'cf', 'wrangler.toml'), 'utf8')).toContain('main = "worker.js"');
    const readme = readFileSync(join(dir, 'cf', 'README.md'), 'utf8');
    expect(readme).toContain('No resume grace');
    expect(readme).toContain('wrangler deploy');
  });

  it('writes index.js and a README for Lambda@Edge; refuses to overwrite without --force', () => {
    const args = ['--target', 'lambda-edge', '--key', 'jamf.pem', '--out', 'le'];
    expect(run(args).code).toBe(0);
    expect(readFileSync(join(dir, 'le', 'README.md'), 'utf8')).toContain('viewer request');
    const again = run(args);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('EDGE_OPTION_INVALID');
    expect(again.stderr).toContain('--force');
    expect(run([...args, '--force']).code).toBe(0);
  });

  it.each([
    [
      'PKCS#8 PEM',
      () =>
        generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
          type: 'pkcs8',
          format: 'pem',
        }),
    ],
    [
      'PKCS#1 PEM',
      () =>
        generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
          type: 'pkcs1',
          format: 'pem',
        }),
    ],
    [
      'private JWK',
      () =>
        JSON.stringify(
          generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
        ),
    ],
    [
      'JWKS with one private member',
      () => {
        const pub = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
          format: 'jwk',
        });
        const priv = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
          format: 'jwk',
        });
        return JSON.stringify({ keys: [pub, priv] });
      },
    ],
    [
      'encrypted PEM',
      () =>
        generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
          type: 'pkcs8',
          format: 'pem',
          cipher: 'aes-256-cbc',
          passphrase: 'pw',
        }),
    ],
  ])('refuses a %s with EDGE_PRIVATE_KEY and writes nothing', (name, make) => {
    const file = `${name.replace(/\W+/g, '-')}.key`;
    writeFileSync(join(dir, file), make());
    const out = `priv-${file}`;
    const r = run([
      '--target',
      'cloudflare',
      '--key',
      file,
      '--origin',
      'https://o.example',
      '--out',
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('EDGE_PRIVATE_KEY');
    expect(r.stderr).not.toContain('PRIVATE KEY-----');
    expect(existsSync(join(dir, out))).toBe(false);
  });

  it.each([
    [['--target', 'fastly', '--key', 'jamf.pem'], 'EDGE_OPTION_INVALID'],
    [['--target', 'cloudflare', '--key', 'jamf.pem'], 'EDGE_OPTION_INVALID'],
    [
      ['--target', 'cloudflare', '--key', 'jamf.pem', '--origin', 'http://files.example.com'],
      'EDGE_OPTION_INVALID',
    ],
    [
      ['--target', 'cloudflare', '--key', 'jamf.pem', '--origin', 'https://u:p@files.example.com'],
      'EDGE_OPTION_INVALID',
    ],
    [
      [
        '--target',
        'cloudflare',
        '--key',
        'jamf.pem',
        '--origin',
        'https://o.example',
        '--r2-bucket',
        'B',
      ],
      'EDGE_OPTION_INVALID',
    ],
    [
      ['--target', 'cloudflare', '--key', 'jamf.pem', '--r2-bucket', 'bad-name!'],
      'EDGE_OPTION_INVALID',
    ],
    [
      ['--target', 'lambda-edge', '--key', 'jamf.pem', '--origin', 'https://o.example'],
      'EDGE_OPTION_INVALID',
    ],
    [
      ['--target', 'lambda-edge', '--key', 'jamf.pem', '--jwks-url', 'ftp://x'],
      'EDGE_OPTION_INVALID',
    ],
    [['--target', 'lambda-edge', '--key', 'missing.pem'], 'KEY_FILE_NOT_FOUND'],
  ])('refuses %j with %s', (args, code) => {
    const r = run([...args, '--out', 'bad']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(code);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });

  it('needs a key or a JWKS URL', () => {
    const r = run(['--target', 'lambda-edge', '--out', 'none']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--key');
  });
});

describe('edge build (library)', () => {
  it('reads a JWKS served at an https-or-loopback URL as --key (a Portcullis /.well-known/jwks.json)', async () => {
    const jwk = { ...trusted.publicKey.export({ format: 'jwk' }), kid: 'from-url' };
    const server = createServer((_, res) =>
      res.writeHead(200).end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const { config } = await edgeConfigFromFlags({
        target: 'lambda-edge',
        out: dir,
        leeway: '60',
        iss: 'JSS',
        sub: 'AppManifest',
        key: [`http://127.0.0.1:${port}/.well-known/jwks.json`],
      });
      expect(config.keys.map((k) => k.kid)).toEqual(['from-url']);
      expect(config.keys[0]).toEqual({ kty: 'RSA', n: jwk.n, e: jwk.e, kid: 'from-url' });
    } finally {
      server.close();
    }
  });

  it('embeds public keys only, with their kid (RFC 7638 thumbprint when the file has none)', async () => {
    const { config } = await edgeConfigFromFlags({
      target: 'lambda-edge',
      out: dir,
      leeway: '30',
      iss: '*',
      sub: 'AppManifest',
      key: [trusted.path],
    });
    expect(Object.keys(config.keys[0]!).sort()).toEqual(['e', 'kid', 'kty', 'n']);
    expect(config.keys[0]!.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(config.policy).toEqual({ leewaySeconds: 30, issuer: null, subject: 'AppManifest' });
  });

  it('the Worker bundle has no node: import and no require(, and is under 50 KiB gzipped', async () => {
    const origin = await startOrigin();
    origin.server.close();
    const built = await buildBundle('cloudflare', { key: [trusted.path], origin: origin.url });
    const code = readFileSync(built.bundle, 'utf8');
    expect(code).not.toMatch(/["']node:/);
    expect(code).not.toMatch(/\brequire\s*\(/);
    expect(gzipSync(code, { level: 9 }).length).toBe(built.gzipBytes);
    expect(built.gzipBytes).toBeLessThanOrEqual(50 * 1024);
  });

  it('the check refuses code that reaches for Node.js (so it is not vacuous)', () => {
    for (const code of [
      'import{x}from"node:fs";',
      'const a=await import("node:crypto")',
      'var c=require("crypto")',
    ]) {
      expect(() => assertNoNodeImports(code), code).toThrow(
        expect.objectContaining({ code: 'EDGE_BUNDLE_UNSAFE' }),
      );
    }
    expect(() => assertNoNodeImports('export default {fetch(){}}')).not.toThrow();
  });

  it('the Lambda bundle is CommonJS exporting handler', async () => {
    const { config } = await edgeConfigFromFlags({
      target: 'lambda-edge',
      out: dir,
      leeway: '60',
      iss: 'JSS',
      sub: 'AppManifest',
      key: [trusted.path],
    });
    const code = await bundle('lambda-edge', config);
    expect(code).toMatch(/module\.exports/);
    expect(code).not.toContain('BEGIN');
  });
});
