import { describe, expect, it } from 'vitest';
import { KeyRing } from '../../src/token/key-ring.js';
import { createNodeVerifier } from '../../src/token/node.js';
import { signToken } from '../../src/token/sign.js';
import { verifyTokenAsync } from '../../src/token/verify.js';
import { importRsaPublicJwk, webCryptoBackend } from '../../src/token/webcrypto.js';
import { craftJson, jamfClaims, NOW, rsaPair } from './helpers.js';

const a = rsaPair();
const b = rsaPair();

async function ringOf(...keys: Array<typeof a.publicKey>): Promise<KeyRing> {
  const imported = await Promise.all(
    keys.map((k) => importRsaPublicJwk(k.export({ format: 'jwk' }))),
  );
  return new KeyRing(imported.map((key) => ({ key })));
}

describe('WebCrypto backend', () => {
  it('verifies the same tokens as the node backend', async () => {
    const keyRing = await ringOf(b.publicKey, a.publicKey);
    const token = signToken(a.privateKey, { now: NOW });
    const web = await verifyTokenAsync(token, { keyRing, backend: webCryptoBackend, now: NOW });
    const node = createNodeVerifier([{ key: a.publicKey }]).verify(token, NOW);
    expect(web.claims).toEqual(node.claims);
    expect(web.key).toBe(keyRing.keys[1]);
  });

  it('refuses what the node backend refuses, with the same codes', async () => {
    const keyRing = await ringOf(a.publicKey);
    const cases = [
      [signToken(b.privateKey, { now: NOW }), 'SIGNATURE_INVALID'],
      [craftJson({ alg: 'RS256' }, jamfClaims({ exp: NOW - 100 }), a.privateKey), 'TOKEN_EXPIRED'],
      [craftJson({ alg: 'none' }, jamfClaims(), a.privateKey), 'ALG_NOT_ALLOWED'],
      ['', 'TOKEN_MISSING'],
    ] as const;
    for (const [token, code] of cases) {
      await expect(
        verifyTokenAsync(token, { keyRing, backend: webCryptoBackend, now: NOW }),
      ).rejects.toMatchObject({ code });
    }
  });

  it('does not accept a node KeyObject (wrong key kind is no match, not a crash)', async () => {
    const keyRing = new KeyRing([{ key: a.publicKey }]);
    await expect(
      verifyTokenAsync(signToken(a.privateKey, { now: NOW }), {
        keyRing,
        backend: webCryptoBackend,
        now: NOW,
      }),
    ).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('importRsaPublicJwk refuses non-RSA JWKs', async () => {
    await expect(importRsaPublicJwk({ kty: 'EC' })).rejects.toThrow(TypeError);
  });
});
