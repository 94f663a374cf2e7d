/**
 * The package as a user gets it: `npm pack` the repository, install the tarball into an empty
 * folder, then import every entry of the `exports` map by its public name from a script run in
 * that folder and call a function of each — including a real download from `startServer`. The
 * neutral `portcullis/token` is also imported under the hook that forbids Node.js built-ins, and
 * a TypeScript file there must type-check against the shipped declarations.
 *
 * dist/ comes from `npm test`'s build (or the global setup's freshness check), so the pack skips
 * the `prepare` script instead of building again. Dependencies come from npm's cache when it has
 * them all (`--offline`), else from the registry; either way within INSTALL_TIMEOUT_MS.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/dist.js';

const INSTALL_TIMEOUT_MS = 180_000;
// The npm that runs this suite (npm test sets npm_execpath), run by this suite's Node.js.
const NPM_CLI = process.env.npm_execpath?.endsWith('.js') ? process.env.npm_execpath : null;
const HOOK = pathToFileURL(join(ROOT, 'test/helpers/forbid-builtins.mjs')).href;
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
};

let dir = '';
let app = '';
let packed: string[] = [];

function run(command: string, args: string[], cwd: string, timeout = 60_000) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout });
  const stderr = `${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
  return { status: result.status, stdout: result.stdout ?? '', stderr };
}

function npm(args: string[], cwd: string, timeout: number) {
  return NPM_CLI === null
    ? run('npm', args, cwd, timeout)
    : run(process.execPath, [NPM_CLI, ...args], cwd, timeout);
}

/** Runs an ES module script inside the consumer folder and parses the JSON it prints. */
function runScript(script: string, nodeArgs: string[] = []): Record<string, unknown> {
  const result = run(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], app);
  if (result.status !== 0) throw new Error(`script failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

beforeAll(
  () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-pack-'));
    const pack = npm(
      ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
      ROOT,
      120_000,
    );
    if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
    const [info] = JSON.parse(pack.stdout) as Array<{
      filename: string;
      files: { path: string }[];
    }>;
    packed = info!.files.map((f) => f.path);
    const tarball = join(dir, info!.filename);
    app = join(dir, 'app');
    mkdirSync(app); // an empty folder: no package.json, no node_modules
    const install = (mode: string) =>
      npm(['install', mode, '--no-audit', '--no-fund', tarball], app, INSTALL_TIMEOUT_MS);
    let installed = install('--offline');
    if (installed.status !== 0 && /ENOTCACHED/.test(installed.stderr)) {
      installed = install('--prefer-offline');
    }
    if (installed.status !== 0) throw new Error(`npm install failed: ${installed.stderr}`);
  },
  INSTALL_TIMEOUT_MS * 2 + 120_000,
);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the installed tarball', { timeout: 90_000 }, () => {
  it('names exactly the entries this test imports', () => {
    expect(Object.keys(MANIFEST.exports).sort()).toEqual(
      ['.', './keys', './package.json', './token', './token/node'].sort(),
    );
  });

  it('ships the build, the docs and the licence, and every export target', () => {
    const outside = packed.filter(
      (f) => !/^(dist|docs)\/|^(README\.md|LICENSE|package\.json)$/.test(f),
    );
    expect(outside).toEqual([]);
    expect(packed.filter((f) => f.startsWith('docs/screenshots/'))).toEqual([]);
    const targets = Object.values(MANIFEST.exports).flatMap((t) =>
      typeof t === 'string' ? [t] : Object.values(t as Record<string, string>),
    );
    for (const target of targets) expect(packed).toContain(target.replace(/^\.\//, ''));
  });

  it('portcullis/keys generates and reads keys', () => {
    const out = runScript(`
      const keys = await import('portcullis/keys');
      const { publicKey } = await keys.generateRsaKeyPair(2048);
      const [read] = keys.readPublicKeys(keys.exportPublicKeyPem(publicKey));
      console.log(JSON.stringify({ same: read.key.equals(publicKey), kty: keys.publicJwk(publicKey).kty }));
    `);
    expect(out).toEqual({ same: true, kty: 'RSA' });
  });

  it('portcullis/token/node signs and verifies on node:crypto', () => {
    const out = runScript(`
      import { generateKeyPairSync } from 'node:crypto';
      const t = await import('portcullis/token/node');
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const verifier = t.createNodeVerifier([{ key: publicKey }]);
      const { claims } = verifier.verify(t.signToken(privateKey, { expiresIn: '5m' }));
      const forged = t.signToken(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
      let code = 'accepted';
      try { verifier.verify(forged); } catch (err) { code = err instanceof t.TokenError && err.code; }
      console.log(JSON.stringify({ sub: claims.sub, iss: claims.iss, code }));
    `);
    expect(out).toEqual({ sub: 'AppManifest', iss: 'JSS', code: 'SIGNATURE_INVALID' });
  });

  it('portcullis/token verifies with WebCrypto while every Node.js built-in is forbidden', () => {
    const out = runScript(
      `
      const t = await import('portcullis/token');
      const builtin = await import('node:crypto').then(() => 'allowed', (err) => err.message);
      const pair = await crypto.subtle.generateKey(
        { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
        true, ['sign', 'verify']);
      const token = await t.signTokenAsync(pair.privateKey, { expiresIn: '5m' });
      const keyRing = new t.KeyRing([{ key: pair.publicKey }]);
      const { claims } = await t.verifyTokenAsync(token, { keyRing, backend: t.webCryptoBackend });
      console.log(JSON.stringify({ builtin: builtin.split(' (')[0], sub: claims.sub }));
    `,
      ['--import', HOOK],
    );
    expect(out).toEqual({ builtin: 'forbidden built-in import: node:crypto', sub: 'AppManifest' });
  });

  it('portcullis serves a download to a valid token and refuses a missing one', () => {
    const out = runScript(`
      import { mkdirSync, writeFileSync } from 'node:fs';
      import { join } from 'node:path';
      const p = await import('portcullis');
      const { privateKey, publicKey } = await p.generateRsaKeyPair();
      mkdirSync('content', { recursive: true });
      writeFileSync('content/App One.ipa', 'ipa bytes');
      writeFileSync('jamf.pub.pem', p.exportPublicKeyPem(publicKey));
      const server = await p.startServer({
        root: join(process.cwd(), 'content'), keys: [join(process.cwd(), 'jamf.pub.pem')],
        port: 0, admin: false, workers: 1, logLevel: 'silent',
      });
      try {
        const url = server.url + '/App%20One.ipa';
        const ok = await fetch(p.addTokenToUrl(url, p.signToken(privateKey)));
        const refused = await fetch(url);
        console.log(JSON.stringify({
          ok: [ok.status, await ok.text()],
          refused: [refused.status, (await refused.json()).code],
          sameClass: p.TokenError === (await import('portcullis/token')).TokenError,
        }));
      } finally {
        await server.close();
      }
    `);
    expect(out).toEqual({
      ok: [200, 'ipa bytes'],
      refused: [401, 'TOKEN_MISSING'],
      sameClass: true,
    });
  });

  it('keeps everything else private and ships package.json', () => {
    const out = runScript(`
      const deep = await import('portcullis/dist/app/serve.js').then(() => 'imported', (err) => err.code);
      const pkg = await import('portcullis/package.json', { with: { type: 'json' } });
      console.log(JSON.stringify({ deep, name: pkg.default.name }));
    `);
    expect(out).toEqual({ deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED', name: 'portcullis' });
  });

  it('type-checks a TypeScript consumer against the shipped declarations', () => {
    writeFileSync(
      join(app, 'consumer.ts'),
      `import { type RunningServer, type ServeOptions, startServer, loadVerificationKeys } from 'portcullis';
import { generateRsaKeyPair } from 'portcullis/keys';
import {
  type TokenErrorCode,
  type VerifiedToken,
  verifyTokenAsync,
  webCryptoBackend,
  KeyRing,
} from 'portcullis/token';
import { createNodeVerifier } from 'portcullis/token/node';

const options: ServeOptions = { root: 'content', keys: ['jamf.pub.pem'], port: 0 };
export const started: Promise<RunningServer> = startServer(options);
export const checked: Promise<VerifiedToken> = verifyTokenAsync('t', {
  keyRing: new KeyRing([]),
  backend: webCryptoBackend,
});
export const verifier = loadVerificationKeys('jamf.pub.pem').then((k) => createNodeVerifier(k));
// Each line below must be an error: a declaration that failed to resolve would be \`any\` and
// make these unused expectations, which tsc reports.
// @ts-expect-error port is a number
export const wrongPort: ServeOptions = { port: 'eighty' };
// @ts-expect-error claims is an object
export const wrongClaims = (v: VerifiedToken): string => v.claims;
// @ts-expect-error the Node verifier is synchronous
export const wrongVerify: Promise<unknown> = createNodeVerifier([]).verify('t');
// @ts-expect-error codes are a closed union
export const wrongCode: TokenErrorCode = 'NOT_A_TOKEN_CODE';
// @ts-expect-error only 2048, 3072 or 4096 bits
export const weakKey = generateRsaKeyPair(1024);
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          // A consumer has @types/node; the empty folder borrows the repository's copy.
          typeRoots: [join(ROOT, 'node_modules/@types')],
          types: ['node'],
          skipLibCheck: true,
        },
        files: ['consumer.ts'],
      }),
    );
    // The consumer is an ES module package, as most TypeScript users' are.
    const consumer = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ ...consumer, type: 'module' }));
    const tsc = run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc')], app);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});
