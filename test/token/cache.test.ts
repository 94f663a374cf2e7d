import { describe, expect, it } from 'vitest';
import { VerificationCache } from '../../src/token/cache.js';
import { TokenError } from '../../src/token/errors.js';
import { KeyRing } from '../../src/token/key-ring.js';
import { createNodeVerifier, nodeSignatureBackend } from '../../src/token/node.js';
import { signToken } from '../../src/token/sign.js';
import { type SignatureBackend, TokenVerifier } from '../../src/token/verify.js';
import { craftJson, jamfClaims, NOW, rsaPair } from './helpers.js';

const a = rsaPair();
const b = rsaPair();

/** Wraps the node backend and counts RSA verifications, to see what the cache saves. */
function countingBackend(): SignatureBackend & { calls: number } {
  const backend = {
    calls: 0,
    verify(...args: Parameters<SignatureBackend['verify']>) {
      backend.calls++;
      return nodeSignatureBackend.verify(...args);
    },
  };
  return backend;
}

function verifierWith(ring: KeyRing, maxEntries = 10_000) {
  const backend = countingBackend();
  const verifier = new TokenVerifier({ keyRing: ring, backend, cache: { maxEntries } });
  return { verifier, backend };
}

describe('verification cache', () => {
  it('serves a repeated token from cache without RSA work', () => {
    const { verifier, backend } = verifierWith(new KeyRing([{ key: a.publicKey }]));
    const token = signToken(a.privateKey, { now: NOW });
    expect(verifier.verify(token, NOW).cached).toBe(false);
    const again = verifier.verify(token, NOW + 1);
    expect(again.cached).toBe(true);
    expect(again.claims).toEqual(jamfClaims());
    expect(backend.calls).toBe(1);
    expect(verifier.cacheStats()).toEqual({ hits: 1, misses: 1, size: 1 });
  });

  it('still refuses a cached token once it expires (exp + leeway) and evicts it', () => {
    const { verifier } = verifierWith(new KeyRing([{ key: a.publicKey }]));
    const token = signToken(a.privateKey, { now: NOW, expiresIn: 60 });
    verifier.verify(token, NOW);
    expect(verifier.verify(token, NOW + 119).cached).toBe(true);
    expect(() => verifier.verify(token, NOW + 120)).toThrow(
      expect.objectContaining({ code: 'TOKEN_EXPIRED' }),
    );
    expect(verifier.cacheStats().size).toBe(0);
  });

  it('does not serve a cached token before its nbf window', () => {
    const { verifier } = verifierWith(new KeyRing([{ key: a.publicKey }]));
    const token = craftJson({ alg: 'RS256' }, jamfClaims({ nbf: NOW }), a.privateKey);
    verifier.verify(token, NOW);
    expect(() => verifier.verify(token, NOW - 120)).toThrow(
      expect.objectContaining({ code: 'TOKEN_NOT_YET_VALID' }),
    );
  });

  it('drops cached tokens when a key leaves the ring', () => {
    const ring = new KeyRing([{ key: a.publicKey }, { key: b.publicKey }]);
    const { verifier } = verifierWith(ring);
    const token = signToken(a.privateKey, { now: NOW });
    verifier.verify(token, NOW);
    ring.replace([{ key: b.publicKey }]);
    expect(() => verifier.verify(token, NOW)).toThrow(
      expect.objectContaining({ code: 'SIGNATURE_INVALID' }),
    );
  });

  it('never caches failures', () => {
    const { verifier, backend } = verifierWith(new KeyRing([{ key: b.publicKey }]));
    const token = signToken(a.privateKey, { now: NOW });
    for (let i = 0; i < 3; i++) expect(() => verifier.verify(token, NOW)).toThrow(TokenError);
    expect(backend.calls).toBe(3);
    expect(verifier.cacheStats().size).toBe(0);
  });

  it('is bounded and evicts the least recently used entry', () => {
    const { verifier, backend } = verifierWith(new KeyRing([{ key: a.publicKey }]), 2);
    const [t1, t2, t3] = [1, 2, 3].map((n) =>
      signToken(a.privateKey, { now: NOW, claims: { n } }),
    ) as [string, string, string];
    verifier.verify(t1, NOW);
    verifier.verify(t2, NOW);
    verifier.verify(t1, NOW); // t1 becomes most recent
    verifier.verify(t3, NOW); // evicts t2
    expect(verifier.cacheStats().size).toBe(2);
    expect(verifier.verify(t1, NOW).cached).toBe(true);
    expect(verifier.verify(t2, NOW).cached).toBe(false);
    expect(backend.calls).toBe(4);
  });

  it('keeps a token in use while a fleet of others passes through, and evicts the idle ones', () => {
    const cache = new VerificationCache<string>(8);
    const put = (t: string) => cache.set(t, t, 0, 100, 1);
    put('resuming');
    put('idle');
    for (let i = 0; i < 100; i++) {
      put(`fleet-${i}`);
      // A resuming device asks again every few requests of the fleet.
      if (i % 3 === 0) expect(cache.get('resuming', 1, 1)).toBe('resuming');
    }
    expect(cache.get('resuming', 1, 1)).toBe('resuming');
    expect(cache.get('idle', 1, 1)).toBeUndefined();
    // Two generations of at most 4: never more than 8, never fewer than the last 4 placed.
    expect(cache.stats().size).toBeLessThanOrEqual(8);
    expect(cache.stats().size).toBeGreaterThanOrEqual(4);
  });

  it('can be switched off', () => {
    const v = createNodeVerifier([{ key: a.publicKey }], { cache: false });
    const token = signToken(a.privateKey, { now: NOW });
    v.verify(token, NOW);
    expect(v.verify(token, NOW).cached).toBe(false);
    expect(v.cacheStats()).toEqual({ hits: 0, misses: 0, size: 0 });
  });

  it('a cache of one holds one', () => {
    const cache = new VerificationCache<string>(1);
    cache.set('a', 'a', 0, 100, 1);
    cache.set('b', 'b', 0, 100, 1);
    expect(cache.get('a', 1, 1)).toBeUndefined();
    expect(cache.get('b', 1, 1)).toBe('b');
    expect(cache.stats().size).toBe(1);
  });

  it('stays bounded through 50,000 distinct tokens', () => {
    const cache = new VerificationCache<number>(1000);
    for (let i = 0; i < 50_000; i++) {
      cache.set(`t${i}`, i, 0, 100, 1);
      expect(cache.stats().size).toBeLessThanOrEqual(1000);
    }
    expect(cache.get('t49999', 1, 1)).toBe(49_999);
    expect(cache.get('t0', 1, 1)).toBeUndefined();
  });

  it('never answers a token with the result of another that ends the same way', () => {
    // The Maps are keyed by a token's last characters; the whole token must still match.
    const end = 'S'.repeat(40);
    const cache = new VerificationCache<string>(8);
    cache.set(`a.b.${end}`, 'first', 0, 100, 1);
    expect(cache.get(`x.y.${end}`, 1, 1)).toBeUndefined();
    expect(cache.get(end, 1, 1)).toBeUndefined();
    // The miss leaves the cached token where it was.
    expect(cache.get(`a.b.${end}`, 1, 1)).toBe('first');
    // In the previous generation too (a cache of 8 keeps two generations of 4): a stranger with
    // the same end neither drops the owner's entry …
    const fill = (c: VerificationCache<string>, ...names: string[]) => {
      for (const n of names) c.set(n, n, 0, 100, 1);
    };
    const kept = new VerificationCache<string>(8);
    fill(kept, `a.b.${end}`, 'one', 'two', 'three', 'four'); // `a.b.…` moves to the previous generation
    expect(kept.get(`x.y.${end}`, 1, 1)).toBeUndefined();
    expect(kept.get(`a.b.${end}`, 1, 1)).toBe(`a.b.${end}`);
    // … nor promotes it: left idle, it goes with its generation as any idle entry does.
    const idle = new VerificationCache<string>(8);
    fill(idle, `a.b.${end}`, 'one', 'two', 'three', 'four');
    expect(idle.get(`x.y.${end}`, 1, 1)).toBeUndefined();
    fill(idle, 'five', 'six', 'seven', 'eight');
    expect(idle.get(`a.b.${end}`, 1, 1)).toBeUndefined();
    // Through the verifier: a forged token sharing a cached token's signature end is verified,
    // refused, and does not disturb the cached one.
    const v = createNodeVerifier([{ key: a.publicKey }]);
    const token = signToken(a.privateKey, { now: NOW });
    v.verify(token, NOW);
    const forged = `${token.slice(0, token.lastIndexOf('.') + 1)}AAAA${token.slice(-60)}`;
    expect(() => v.verify(forged, NOW)).toThrow();
    expect(v.verify(token, NOW).cached).toBe(true);
  });

  it('rejects a nonsensical size', () => {
    expect(() => new VerificationCache(0)).toThrow(TypeError);
  });
});
