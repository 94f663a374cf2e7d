/**
 * The verify path on a runtime without Node's Buffer (and without node:crypto): base64url falls
 * back to the portable decoder and the signing input to TextEncoder; WebCrypto checks signatures.
 * The token modules are re-imported with Buffer hidden so their feature detection sees none.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signToken } from '../../src/token/sign.js';
import { craft, jamfClaims, NOW, rsaPair } from './helpers.js';

type TokenModule = typeof import('../../src/token/index.js');

const a = rsaPair();
const jwk = a.publicKey.export({ format: 'jwk' });
// Tokens are made before Buffer is hidden (the signer and helpers are Node-only by design).
const good = signToken(a.privateKey, { now: NOW });
const [h, p, s] = good.split('.') as [string, string, string];
const hostile: Array<[token: string, code: string]> = [
  [`${h}.${p}.${s.slice(0, -1)}+`, 'TOKEN_MALFORMED'],
  [`${h}=.${p}.${s}`, 'TOKEN_MALFORMED'],
  [
    craft('{"alg":"RS256","alg":"RS256"}', JSON.stringify(jamfClaims()), a.privateKey),
    'TOKEN_MALFORMED',
  ],
  [`${h}.${p}.${s.slice(0, -2)}`, 'SIGNATURE_INVALID'],
  [
    craft('{"alg":"RS256"}', JSON.stringify(jamfClaims({ exp: NOW - 100 })), a.privateKey),
    'TOKEN_EXPIRED',
  ],
];
let mod: TokenModule;

beforeAll(async () => {
  vi.resetModules();
  vi.stubGlobal('Buffer', undefined);
  mod = await import('../../src/token/index.js');
});

afterAll(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe('verify path without Buffer', () => {
  it('really runs without Buffer', () => {
    expect((globalThis as { Buffer?: unknown }).Buffer).toBeUndefined();
  });

  it('verifies a Jamf token through WebCrypto and refuses the same hostile tokens', async () => {
    const keyRing = new mod.KeyRing([{ key: await mod.importRsaPublicJwk(jwk) }]);
    const verify = (token: string) =>
      mod.verifyTokenAsync(token, { keyRing, backend: mod.webCryptoBackend, now: NOW });
    expect((await verify(good)).claims).toEqual(jamfClaims());
    for (const [token, code] of hostile)
      await expect(verify(token)).rejects.toMatchObject({ code });
  });

  it('decodes with the portable decoder', () => {
    const bytes = mod.decodeBase64Url('AQID');
    // A plain Uint8Array, not a Buffer: the native path was not taken.
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect([...(bytes ?? [])]).toEqual([1, 2, 3]);
    expect(mod.decodeBase64Url('AQI=')).toBeNull();
  });
});
