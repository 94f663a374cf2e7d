/**
 * Cross-checks with the openssl CLI in both directions, so our base64url, signing input and
 * PKCS#1 v1.5 encoding agree with an independent implementation.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../src/token/base64url.js';
import { createNodeVerifier } from '../../src/token/node.js';
import { signToken } from '../../src/token/sign.js';
import { NOW } from './helpers.js';

let dir: string;
let keyPath: string;
let pubPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-openssl-'));
  keyPath = join(dir, 'key.pem');
  pubPath = join(dir, 'pub.pem');
  // Exactly how Jamf admins make their key.
  execFileSync('openssl', ['genrsa', '-out', keyPath, '2048'], { stdio: 'ignore' });
  execFileSync('openssl', ['rsa', '-in', keyPath, '-pubout', '-out', pubPath], { stdio: 'ignore' });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openssl interoperability', () => {
  it('verifies a token whose signature openssl dgst made', () => {
    const input = `${encodeBase64Url('{"alg":"RS256"}')}.${encodeBase64Url(`{"sub":"AppManifest","iss":"JSS","exp":${NOW + 900}}`)}`;
    const inputPath = join(dir, 'input.txt');
    writeFileSync(inputPath, input);
    const sig = execFileSync('openssl', ['dgst', '-sha256', '-sign', keyPath, inputPath]);
    const verifier = createNodeVerifier([{ key: createPublicKey(readFileSync(pubPath)) }]);
    const result = verifier.verify(`${input}.${encodeBase64Url(sig)}`, NOW);
    expect(result.claims).toEqual({ sub: 'AppManifest', iss: 'JSS', exp: NOW + 900 });
  });

  it('produces signatures openssl dgst -verify accepts, and openssl rejects a tampered one', () => {
    const token = signToken(createPrivateKey(readFileSync(keyPath)), { now: NOW });
    const [h, p, s] = token.split('.') as [string, string, string];
    const inputPath = join(dir, 'ours.txt');
    const sigPath = join(dir, 'ours.sig');
    writeFileSync(inputPath, `${h}.${p}`);
    writeFileSync(sigPath, Buffer.from(s, 'base64url'));
    const out = execFileSync('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      pubPath,
      '-signature',
      sigPath,
      inputPath,
    ]);
    expect(out.toString()).toContain('Verified OK');
    writeFileSync(inputPath, `${h}.${p}x`);
    expect(() =>
      execFileSync(
        'openssl',
        ['dgst', '-sha256', '-verify', pubPath, '-signature', sigPath, inputPath],
        { stdio: 'pipe' },
      ),
    ).toThrow();
  });
});
