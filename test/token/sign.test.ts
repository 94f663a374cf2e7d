import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../src/token/base64url.js';
import { decodeToken } from '../../src/token/decode.js';
import { createNodeVerifier } from '../../src/token/node.js';
import { signToken } from '../../src/token/sign.js';
import { NOW, rsaPair } from './helpers.js';

const { privateKey, publicKey } = rsaPair();

describe('signToken', () => {
  it('is byte-for-byte Jamf-shaped by default', () => {
    const [h, p] = signToken(privateKey, { now: NOW }).split('.');
    expect(h).toBe(encodeBase64Url('{"alg":"RS256"}'));
    expect(h).toBe('eyJhbGciOiJSUzI1NiJ9');
    expect(p).toBe(encodeBase64Url(`{"sub":"AppManifest","iss":"JSS","exp":${NOW + 900}}`));
  });

  it('adds kid, aud, nbf, iat and extra claims when asked', () => {
    const token = signToken(privateKey, {
      now: NOW,
      expiresIn: '1h',
      kid: 'k1',
      audience: ['dp1'],
      notBefore: NOW - 5,
      issuedAt: true,
      claims: { path: '/apps/a.ipa' },
    });
    const { header, claims } = decodeToken(token);
    expect(header).toEqual({ alg: 'RS256', kid: 'k1' });
    expect(claims).toEqual({
      sub: 'AppManifest',
      iss: 'JSS',
      exp: NOW + 3600,
      aud: ['dp1'],
      nbf: NOW - 5,
      iat: NOW,
      path: '/apps/a.ipa',
    });
    expect(
      createNodeVerifier([{ kid: 'k1', key: publicKey }], { audience: 'dp1' }).verify(token, NOW)
        .claims.path,
    ).toBe('/apps/a.ipa');
  });

  it('refuses to redefine registered claims through claims', () => {
    expect(() => signToken(privateKey, { claims: { exp: 1 } })).toThrow(TypeError);
  });

  it('refuses public, non-RSA and short RSA keys', () => {
    expect(() => signToken(publicKey as never)).toThrow(TypeError);
    expect(() => signToken(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)).toThrow(
      /RSA/,
    );
    expect(() => signToken(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey)).toThrow(
      /2048/,
    );
    expect(() => signToken('-----BEGIN PRIVATE KEY-----' as never)).toThrow(TypeError);
  });

  it('refuses a bad lifetime', () => {
    expect(() => signToken(privateKey, { expiresIn: '15 minutes' })).toThrow(RangeError);
  });
});
