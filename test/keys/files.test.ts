/**
 * Key files on disk: private keys written 0600 and never silently overwritten, passphrase files,
 * per-file error messages without absolute paths, and loaded keys that really verify tokens.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exportPrivateKeyPem,
  jwks,
  jwkThumbprint,
  keyFingerprint,
  loadPrivateKeyFile,
  loadPublicKeysFile,
  loadVerificationKeys,
  readPrivateKey,
  writePrivateKeyFile,
  writePublicFile,
} from '../../src/keys/index.js';
import { createNodeVerifier, signToken } from '../../src/token/node-entry.js';
import { FixtureDir, makeRsaForms, PASSPHRASE } from './fixtures.js';
import { keyErrorOfAsync } from './helpers.js';

const f = new FixtureDir();
let pem: string;

beforeAll(() => {
  makeRsaForms(f);
  pem = exportPrivateKeyPem(readPrivateKey(f.read('pkcs8.pem')).key);
  f.write('pass-lf.txt', `${PASSPHRASE}\n`);
  f.write('pass-crlf.txt', `${PASSPHRASE}\r\nsecond line is ignored\r\n`);
  f.write('pass-wrong.txt', 'not it\n');
  f.write('pass-empty.txt', '\n');
  f.write('empty.pem', '');
  mkdirSync(f.path('a-directory'));
});
afterAll(() => f.cleanup());

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('writePrivateKeyFile', () => {
  it('writes the key with mode 0600', async () => {
    const path = f.path('new-key.pem');
    await writePrivateKeyFile(path, pem);
    expect(mode(path)).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe(pem);
  });

  it('refuses to overwrite and leaves the old content', async () => {
    const path = f.write('existing.pem', 'old content');
    const err = await keyErrorOfAsync(writePrivateKeyFile(path, pem));
    expect(err.code).toBe('KEY_FILE_EXISTS');
    // Named exactly as the caller gave it (the CLI passes what the user typed).
    expect(err.message.startsWith(`${path}: `)).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('old content');
  });

  it('with force replaces a world-readable file by a 0600 one', async () => {
    const path = f.write('loose.pem', 'old content');
    chmodSync(path, 0o644);
    await writePrivateKeyFile(path, pem, { force: true });
    expect(mode(path)).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe(pem);
  });

  it('does not follow a planted symlink', async () => {
    const target = f.write('victim.txt', 'victim');
    const link = f.path('link.pem');
    symlinkSync(target, link);
    expect((await keyErrorOfAsync(writePrivateKeyFile(link, pem))).code).toBe('KEY_FILE_EXISTS');
    expect(readFileSync(target, 'utf8')).toBe('victim');
  });

  it('reports a missing directory as KEY_FILE_UNWRITABLE', async () => {
    const err = await keyErrorOfAsync(writePrivateKeyFile(f.path('no/such/dir/key.pem'), pem));
    expect(err.code).toBe('KEY_FILE_UNWRITABLE');
  });

  it('writes public files readable by others (0644 under the usual umask)', async () => {
    const path = f.path('pub.pem');
    await writePublicFile(path, 'public');
    expect(mode(path) & 0o600).toBe(0o600);
  });
});

describe('loadPrivateKeyFile', () => {
  it.each(['pass-lf.txt', 'pass-crlf.txt'])('decrypts with the first line of %s', async (pass) => {
    for (const file of ['enc-pkcs8.pem', 'enc-pkcs1.pem']) {
      const { format } = await loadPrivateKeyFile(f.path(file), { passphraseFile: f.path(pass) });
      expect(format).toMatch(/-encrypted$/);
    }
  });

  it('names the key file in a wrong-passphrase error', async () => {
    const err = await keyErrorOfAsync(
      loadPrivateKeyFile(f.path('enc-pkcs8.pem'), { passphraseFile: f.path('pass-wrong.txt') }),
    );
    expect(err.code).toBe('KEY_PASSPHRASE_WRONG');
    expect(err.message.startsWith(`${f.path('enc-pkcs8.pem')}: `)).toBe(true);
    expect(err.message).not.toContain('not it');
  });

  it('asks for no prompt when stdin is not a terminal: KEY_PASSPHRASE_REQUIRED', async () => {
    const load = loadPrivateKeyFile(f.path('enc-pkcs1.pem'), { promptPassphrase: true });
    expect((await keyErrorOfAsync(load)).code).toBe('KEY_PASSPHRASE_REQUIRED');
  });

  it.each(['pass-empty.txt', 'no-such-pass.txt', 'a-directory'])(
    'refuses passphrase file %s with KEY_PASSPHRASE_FILE_UNREADABLE',
    async (pass) => {
      const load = loadPrivateKeyFile(f.path('enc-pkcs8.pem'), { passphraseFile: f.path(pass) });
      expect((await keyErrorOfAsync(load)).code).toBe('KEY_PASSPHRASE_FILE_UNREADABLE');
    },
  );

  it('names a missing file exactly as given, relative or absolute', async () => {
    const rel = relative(process.cwd(), f.path('missing.pem'));
    const relErr = await keyErrorOfAsync(loadPrivateKeyFile(rel));
    expect(relErr.code).toBe('KEY_FILE_NOT_FOUND');
    expect(relErr.message.startsWith(`${rel}: `)).toBe(true);
    const absErr = await keyErrorOfAsync(loadPrivateKeyFile(f.path('missing.pem')));
    expect(absErr.message.startsWith(`${f.path('missing.pem')}: `)).toBe(true);
  });

  it('names the file by displayName when the caller resolved the path itself', async () => {
    const err = await keyErrorOfAsync(
      loadVerificationKeys(f.path('missing.pem'), { displayName: 'keys/missing.pem' }),
    );
    expect(err.code).toBe('KEY_FILE_NOT_FOUND');
    expect(err.message.startsWith('keys/missing.pem: ')).toBe(true);
    expect(err.message).not.toContain(f.dir);
  });

  it.each([
    ['a directory', 'a-directory', 'KEY_FILE_UNREADABLE'],
    ['an empty file', 'empty.pem', 'KEY_UNREADABLE'],
    ['a public key', 'spki.pem', 'KEY_NOT_PRIVATE'],
  ])('refuses %s', async (_name, file, code) => {
    expect((await keyErrorOfAsync(loadPrivateKeyFile(f.path(file)))).code).toBe(code);
  });

  it('does not hang on a FIFO', async () => {
    execFileSync('mkfifo', [f.path('fifo.pem')]);
    expect((await keyErrorOfAsync(loadPrivateKeyFile(f.path('fifo.pem')))).code).toBe(
      'KEY_FILE_UNREADABLE',
    );
  });

  it('refuses a file over 1 MiB without reading it as a key', async () => {
    const path = f.write('huge.pem', Buffer.alloc(1024 * 1024 + 1, 0x41));
    expect((await keyErrorOfAsync(loadPrivateKeyFile(path))).code).toBe('KEY_INPUT_TOO_LARGE');
  });
});

describe('loadVerificationKeys', () => {
  it('gives kid = RFC 7638 thumbprint, alg RS256 and label = base name', async () => {
    const [key, ...rest] = await loadVerificationKeys(f.path('spki.pem'));
    expect(rest).toHaveLength(0);
    expect(key).toMatchObject({ kid: jwkThumbprint(key!.key), alg: 'RS256', label: 'spki.pem' });
    expect(key!.key.type).toBe('public');
  });

  it('keeps the kids of a JWKS', async () => {
    const { key } = readPrivateKey(pem);
    const path = f.write('keys.jwks.json', JSON.stringify(jwks([{ key, kid: 'jamf-2026' }])));
    expect((await loadVerificationKeys(path)).map((k) => k.kid)).toEqual(['jamf-2026']);
  });

  it('refuses an encrypted private key and points at the public key', async () => {
    const err = await keyErrorOfAsync(loadVerificationKeys(f.path('enc-pkcs8.pem')));
    expect(err.code).toBe('KEY_PASSPHRASE_REQUIRED');
    expect(err.message).toContain(`key show ${f.path('enc-pkcs8.pem')} --pem`);
  });

  it.each(['spki.pem', 'cert.pem', 'pkcs1-public.pem', 'pkcs1.pem', 'spki.der'])(
    'a key loaded from %s verifies a Jamf-shaped token signed with the private key',
    async (file) => {
      const { key: privateKey } = await loadPrivateKeyFile(f.path('enc-pkcs1.pem'), {
        passphraseFile: f.path('pass-lf.txt'),
      });
      const verifier = createNodeVerifier(await loadVerificationKeys(f.path(file)));
      const token = signToken(privateKey, { expiresIn: '5m' });
      expect(verifier.verify(token).claims).toMatchObject({ sub: 'AppManifest', iss: 'JSS' });
    },
  );

  it('loadPublicKeysFile decrypts with a passphrase file to show an encrypted key', async () => {
    const keys = await loadPublicKeysFile(f.path('enc-pkcs1.pem'), {
      passphraseFile: f.path('pass-lf.txt'),
    });
    expect(keyFingerprint(keys[0]!.key)).toBe(keyFingerprint(readPrivateKey(pem).key));
  });
});
