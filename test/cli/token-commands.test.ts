/**
 * `portcullis sign | sign-url | verify | inspect` through the built binary: exit codes (0 valid,
 * 1 invalid, 2 usage), JSON shapes, error lines that name the file and carry no stack trace.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../src/token/base64url.js';
import { decodeToken } from '../../src/token/decode.js';
import { createNodeVerifier } from '../../src/token/node.js';
import { type SignOptions, signToken } from '../../src/token/sign.js';
import { CLI, ensureBuilt } from '../helpers/dist.js';

let dir: string;

/** The binary failed before any command ran (dist half-written by a concurrent build). */
const LOAD_FAILURE =
  /^(file:\/\/\S+:\d+\n[\s\S]*?SyntaxError|node:internal\/modules\/[\s\S]*?ERR_MODULE_NOT_FOUND)/;

function run(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  // Other work in a shared tree may rebuild dist while these tests run; a load failure of the
  // binary is retried (it is never an outcome of our commands, which load before parsing args).
  for (let attempt = 0; ; attempt++) {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, input, encoding: 'utf8' });
    if (attempt < 10 && r.status === 1 && LOAD_FAILURE.test(r.stderr)) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
      continue;
    }
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }
}

/** Runs `portcullis sign --key key.pem ...` and returns the token. */
function sign(...extra: string[]): string {
  const r = run(['sign', '--key', 'key.pem', ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

/** Library-signed token with key.pem (the sign command itself is tested above). */
function mint(opts: SignOptions = {}): string {
  return signToken(createPrivateKey(readFileSync(join(dir, 'key.pem'))), opts);
}

function expectNoStack(text: string): void {
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toContain(dir);
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-token-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ssl('genrsa', '-out', 'key.pem', '2048');
  ssl('rsa', '-in', 'key.pem', '-pubout', '-out', 'pub.pem');
  ssl('genrsa', '-out', 'other.pem', '2048');
  ssl('rsa', '-in', 'other.pem', '-pubout', '-out', 'other-pub.pem');
  ssl('genrsa', '-aes256', '-passout', 'pass:s3cret', '-out', 'enc.pem', '2048');
  writeFileSync(join(dir, 'pass.txt'), 's3cret\n');
  const jwk = createPublicKey(readFileSync(join(dir, 'key.pem'))).export({ format: 'jwk' });
  writeFileSync(
    join(dir, 'jwks.json'),
    JSON.stringify({ keys: [{ ...jwk, kid: 'k1', alg: 'RS256', use: 'sig' }] }),
  );
  writeFileSync(
    join(dir, 'small.pem'),
    generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }),
  );
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('portcullis sign', () => {
  it('prints a Jamf-shaped token that verifies with the public key', () => {
    const before = Math.floor(Date.now() / 1000);
    const token = sign();
    const after = Math.ceil(Date.now() / 1000);
    const [h] = token.split('.');
    expect(h).toBe(encodeBase64Url('{"alg":"RS256"}'));
    const { claims } = decodeToken(token);
    expect(Object.keys(claims)).toEqual(['sub', 'iss', 'exp']);
    expect(claims.exp).toBeGreaterThanOrEqual(before + 900);
    expect(claims.exp).toBeLessThanOrEqual(after + 900);
    const pub = createPublicKey(readFileSync(join(dir, 'pub.pem')));
    expect(createNodeVerifier([{ key: pub }]).verify(token).claims.sub).toBe('AppManifest');
  });

  it('takes lifetime, aud, kid and extra claims (JSON when valid JSON)', () => {
    const token = sign(
      '--expires',
      '1h30m',
      '--aud',
      'dp1',
      '--kid',
      'k1',
      '--claim',
      'path=/a.ipa',
      '--claim',
      'n=5',
      '--claim',
      'o={"x":[1]}',
    );
    const { header, claims } = decodeToken(token);
    expect(header).toEqual({ alg: 'RS256', kid: 'k1' });
    expect(claims).toMatchObject({ aud: 'dp1', path: '/a.ipa', n: 5, o: { x: [1] } });
    expect((claims.exp as number) - Math.floor(Date.now() / 1000)).toBeGreaterThan(4000);
  });

  it('reads an encrypted key with --passphrase-file', () => {
    expect(
      decodeToken(run(['sign', '--key', 'enc.pem', '--passphrase-file', 'pass.txt']).stdout.trim())
        .claims.iss,
    ).toBe('JSS');
  });

  it.each([
    [['--expires', '15 minutes'], /--expires/],
    [['--expires', '0'], /--expires/],
    [['--claim', 'novalue'], /--claim/],
    [['--claim', 'exp=1'], /exp/],
  ])('usage error %j exits 2 with a one-line message', (extra, message) => {
    const r = run(['sign', '--key', 'key.pem', ...extra]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expectNoStack(r.stderr);
  });

  it('names a missing key file and refuses a 1024-bit key', () => {
    const missing = run(['sign', '--key', 'missing.pem']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing.pem');
    expectNoStack(missing.stderr);
    const small = run(['sign', '--key', 'small.pem']);
    expect(small.code).toBe(2);
    expect(small.stderr).toMatch(/2048/);
    expectNoStack(small.stderr);
  });
});

describe('portcullis sign-url', () => {
  it('adds the token, keeps the query, and the URL verifies', () => {
    const r = run([
      'sign-url',
      'https://dp.example/apps/My%20App.ipa?v=2#x',
      '--key',
      'key.pem',
      '--expires',
      '5m',
    ]);
    expect(r.code).toBe(0);
    const url = r.stdout.trim();
    expect(url).toMatch(/^https:\/\/dp\.example\/apps\/My%20App\.ipa\?v=2&token=eyJ[\w.-]+#x$/);
    const v = run(['verify', url, '--key', 'pub.pem']);
    expect(v.code).toBe(0);
  });

  it('warns on stderr that devices refuse an http:// link, keeping stdout the URL alone', () => {
    const plain = run(['sign-url', 'http://dp.example/a.pkg', '--key', 'key.pem']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^http:\/\/dp\.example\/a\.pkg\?token=[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(plain.stderr).toContain('warning: this is an http:// link');
    expect(plain.stderr).toContain('INSECURE_DEVICE_LINKS');
    expect(plain.stderr).not.toContain('token=');
    const secure = run(['sign-url', 'https://dp.example/a.pkg', '--key', 'key.pem']);
    expect(secure.stderr).toBe('');
  });

  it('refuses something that is not an http(s) URL', () => {
    const r = run(['sign-url', 'ftp://dp.example/a.ipa', '--key', 'key.pem']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/http/);
  });
});

describe('portcullis verify', () => {
  it('exit 0 and a human summary for a valid token', () => {
    const r = run(['verify', mint(), '--key', 'pub.pem']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ valid token/);
    expect(r.stdout).toMatch(/pub\.pem/);
    expect(r.stdout).toMatch(/expires .*\(in 1[0-5]m\)/);
  });

  it('--json for valid and invalid tokens', () => {
    const ok = run(['verify', mint(), '--key', 'pub.pem', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      valid: true,
      claims: { sub: 'AppManifest', iss: 'JSS' },
      kid: expect.any(String),
    });
    const expired = run([
      'verify',
      mint({ expiresIn: '1m' }),
      '--key',
      'pub.pem',
      '--json',
      '--now',
      String(Math.floor(Date.now() / 1000) + 600),
    ]);
    expect(expired.code).toBe(1);
    expect(JSON.parse(expired.stdout)).toEqual({
      valid: false,
      code: 'TOKEN_EXPIRED',
      message: 'The token has expired.',
      claim: 'exp',
    });
  });

  it('exit 1 for a token signed by another key, without echoing the token', () => {
    const token = mint();
    const r = run(['verify', token, '--key', 'other-pub.pem']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/SIGNATURE_INVALID/);
    expect(`${r.stdout}${r.stderr}`).not.toContain(token.split('.')[2]);
  });

  it('tries every --key, and accepts private keys and JWKS', () => {
    expect(run(['verify', mint(), '--key', 'other-pub.pem', '--key', 'key.pem']).code).toBe(0);
    expect(run(['verify', mint({ kid: 'k1' }), '--key', 'jwks.json']).code).toBe(0);
    expect(
      JSON.parse(run(['verify', mint({ kid: 'k2' }), '--key', 'jwks.json', '--json']).stdout).code,
    ).toBe('KEY_NOT_FOUND');
  });

  it('reads the token from stdin with -', () => {
    expect(run(['verify', '-', '--key', 'pub.pem'], `${mint()}\n`).code).toBe(0);
  });

  it('applies --iss/--sub/--aud and --leeway', () => {
    const token = mint({ issuer: 'Other', audience: 'dp1' });
    expect(JSON.parse(run(['verify', token, '--key', 'pub.pem', '--json']).stdout).code).toBe(
      'CLAIM_INVALID',
    );
    expect(run(['verify', token, '--key', 'pub.pem', '--iss', 'Other', '--aud', 'dp1']).code).toBe(
      0,
    );
    expect(run(['verify', token, '--key', 'pub.pem', '--iss', '*', '--aud', 'dp2']).code).toBe(1);
    const soon = mint({ expiresIn: '1m' });
    const at = String(Math.floor(Date.now() / 1000) + 150);
    expect(run(['verify', soon, '--key', 'pub.pem', '--now', at]).code).toBe(1);
    expect(run(['verify', soon, '--key', 'pub.pem', '--now', at, '--leeway', '120']).code).toBe(0);
    // One leeway parser everywhere: seconds or a duration.
    expect(run(['verify', soon, '--key', 'pub.pem', '--now', at, '--leeway', '2m']).code).toBe(0);
    expect(run(['verify', soon, '--key', 'pub.pem', '--now', at, '--leeway', '100s']).code).toBe(0);
    expect(run(['verify', soon, '--key', 'pub.pem', '--now', at, '--leeway', '1m']).code).toBe(1);
    expect(run(['inspect', soon, '--key', 'pub.pem', '--now', at, '--leeway', '2m']).code).toBe(0);
    const tooLong = run(['verify', soon, '--key', 'pub.pem', '--leeway', '2h']);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain('give seconds (60) or a duration (90s, 1m)');
  });

  it('--now takes unix seconds, an ISO time or an offset, so TOKEN_EXPIRED is easy to see', () => {
    const token = mint({ expiresIn: '15m' });
    const later = (now: string) =>
      JSON.parse(run(['verify', token, '--key', 'pub.pem', '--json', '--now', now]).stdout);
    expect(later('+20m')).toMatchObject({ valid: false, code: 'TOKEN_EXPIRED' });
    expect(later('+10m')).toMatchObject({ valid: true });
    const iso = new Date(Date.now() + 3600_000).toISOString();
    expect(later(iso)).toMatchObject({ valid: false, code: 'TOKEN_EXPIRED' });
    expect(later(String(Math.floor(Date.now() / 1000) + 1200))).toMatchObject({
      code: 'TOKEN_EXPIRED',
    });
    const bad = run(['verify', token, '--key', 'pub.pem', '--now', 'tomorrow']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid --now');
  });

  it('refuses hostile tokens with exit 1 and the exact code', () => {
    const [, payload] = mint().split('.');
    const none = `${encodeBase64Url('{"alg":"none"}')}.${payload}.`;
    expect(JSON.parse(run(['verify', none, '--key', 'pub.pem', '--json']).stdout).code).toBe(
      'ALG_NOT_ALLOWED',
    );
    expect(
      JSON.parse(run(['verify', 'not-a-token', '--key', 'pub.pem', '--json']).stdout).code,
    ).toBe('TOKEN_MALFORMED');
    expect(
      JSON.parse(run(['verify', 'https://dp.example/a.ipa', '--key', 'pub.pem', '--json']).stdout)
        .code,
    ).toBe('TOKEN_MISSING');
  });

  it('usage and key-file errors exit 2', () => {
    const token = mint();
    for (const args of [
      ['verify', token],
      ['verify', token, '--key', 'pub.pem', '--leeway', 'soon'],
      ['verify', token, '--key', 'nope.pem'],
      ['verify', token, '--key', 'enc.pem'],
    ]) {
      const r = run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expectNoStack(r.stderr);
    }
    expect(run(['verify', token, '--key', 'nope.pem']).stderr).toContain('nope.pem');
  });
});

describe('portcullis inspect', () => {
  it('without --key shows header, claims, times and marks the signature as not checked', () => {
    const r = run(['inspect', mint()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/alg: "RS256"/);
    expect(r.stdout).toMatch(/exp: \d{4}-\d\d-\d\dT.*\(in 1[0-5]m\)/);
    expect(r.stdout).toMatch(/– signature/);
    expect(r.stdout).toMatch(/✓ exp/);
  });

  it('with the wrong key marks the signature failed and exits 1', () => {
    const r = run(['inspect', mint(), '--key', 'other-pub.pem']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ signature\s+SIGNATURE_INVALID/);
    expect(r.stdout).toMatch(/Verdict: INVALID/);
  });

  it('--json lists every check and still shows an expired token fully', () => {
    const at = String(Math.floor(Date.now() / 1000) + 3600);
    const r = run([
      'inspect',
      mint({ expiresIn: '1m' }),
      '--key',
      'pub.pem',
      '--json',
      '--now',
      at,
    ]);
    expect(r.code).toBe(1);
    const e = JSON.parse(r.stdout);
    expect(e.valid).toBe(false);
    expect(e.claims.iss).toBe('JSS');
    const byName = Object.fromEntries(e.checks.map((c: { name: string }) => [c.name, c]));
    expect(byName.signature.ok).toBe(true);
    expect(byName.exp).toMatchObject({ ok: false, code: 'TOKEN_EXPIRED' });
    expect(byName.aud.ok).toBeNull();
    expect(e.times.exp.relative).toMatch(/ago$/);
  });

  it('never writes terminal control sequences taken from a token', () => {
    const esc = '\u001b[2J\u001b]0;pwned\u0007';
    const token = mint({ subject: `App${esc}`, claims: { [`k${esc}`]: esc } });
    const v = run(['verify', token, '--key', 'pub.pem', '--sub', '*']);
    expect(v.code).toBe(0);
    const i = run(['inspect', token]);
    expect(i.stdout).toContain('\\u001b[2J');
    for (const out of [v.stdout, i.stdout]) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence.
      expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    }
  });

  it('explains a malformed token instead of failing', () => {
    const r = run(['inspect', 'eyJhbGciOiJSUzI1NiJ9.eyJ']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ structure\s+TOKEN_MALFORMED/);
  });
});
