import { createSign, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TokenError, type TokenErrorCode } from '../../src/token/errors.js';
import { KeyRing } from '../../src/token/key-ring.js';
import {
  createNodeVerifier,
  nodeSignatureBackend,
  tokenFingerprint,
} from '../../src/token/node.js';
import type { VerifyOptions } from '../../src/token/policy.js';
import { signToken } from '../../src/token/sign.js';
import { TokenVerifier } from '../../src/token/verify.js';
import { craftJson, jamfClaims, NOW, rsaPair } from './helpers.js';

const a = rsaPair();
const b = rsaPair();
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function codeOf(fn: () => unknown): TokenErrorCode | 'none' {
  try {
    fn();
    return 'none';
  } catch (err) {
    if (err instanceof TokenError) return err.code;
    throw err;
  }
}

describe('key selection', () => {
  it('without kid tries each key and reports which one matched', () => {
    const v = createNodeVerifier(
      [
        { key: a.publicKey, label: 'a' },
        { key: b.publicKey, label: 'b' },
      ],
      { cache: false },
    );
    expect(v.verify(signToken(b.privateKey, { now: NOW }), NOW).key.label).toBe('b');
  });

  it('with kid uses only the matching key', () => {
    const ring = new KeyRing([
      { kid: 'k1', key: a.publicKey },
      { kid: 'k2', key: b.publicKey },
    ]);
    const v = createNodeVerifier(ring, { cache: false });
    expect(v.verify(signToken(b.privateKey, { now: NOW, kid: 'k2' }), NOW).key.kid).toBe('k2');
    // Signed by b but claiming k1: only k1 is tried, so the signature fails.
    expect(codeOf(() => v.verify(signToken(b.privateKey, { now: NOW, kid: 'k1' }), NOW))).toBe(
      'SIGNATURE_INVALID',
    );
    expect(codeOf(() => v.verify(signToken(b.privateKey, { now: NOW, kid: 'k3' }), NOW))).toBe(
      'KEY_NOT_FOUND',
    );
  });

  it('an empty ring refuses with KEY_NOT_FOUND', () => {
    const v = createNodeVerifier([], { cache: false });
    expect(codeOf(() => v.verify(signToken(a.privateKey, { now: NOW }), NOW))).toBe(
      'KEY_NOT_FOUND',
    );
  });

  it('bounds the keys tried for a kid-less token', () => {
    const ring = [{ key: a.publicKey }, { key: a.publicKey }, { key: b.publicKey }];
    const v = createNodeVerifier(ring, { cache: false, maxKeysTried: 2 });
    expect(codeOf(() => v.verify(signToken(b.privateKey, { now: NOW }), NOW))).toBe(
      'SIGNATURE_INVALID',
    );
    expect(
      createNodeVerifier(ring, { cache: false, maxKeysTried: 3 }).verify(
        signToken(b.privateKey, { now: NOW }),
        NOW,
      ).claims.iss,
    ).toBe('JSS');
  });

  it('never lets a non-RSA key verify an RS256 token', () => {
    const v = createNodeVerifier([{ key: ec.publicKey }], { cache: false });
    expect(codeOf(() => v.verify(signToken(a.privateKey, { now: NOW }), NOW))).toBe(
      'SIGNATURE_INVALID',
    );
    expect(
      nodeSignatureBackend.verify('RS256', 'not a key', new Uint8Array(1), new Uint8Array(1)),
    ).toBe(false);
  });

  it('replacing the ring takes effect immediately', () => {
    const ring = new KeyRing([{ key: a.publicKey }]);
    const v = createNodeVerifier(ring, { cache: false });
    const token = signToken(a.privateKey, { now: NOW });
    expect(v.verify(token, NOW).claims.sub).toBe('AppManifest');
    ring.replace([{ key: b.publicKey }]);
    expect(codeOf(() => v.verify(token, NOW))).toBe('SIGNATURE_INVALID');
  });
});

describe('claims policy', () => {
  const token = (claims: Record<string, unknown>) =>
    craftJson({ alg: 'RS256' }, claims, a.privateKey);
  const check = (claims: Record<string, unknown>, options: VerifyOptions = {}, now = NOW) =>
    codeOf(() =>
      createNodeVerifier([{ key: a.publicKey }], { cache: false, ...options }).verify(
        token(claims),
        now,
      ),
    );

  it('applies the 60 s leeway on both sides of exp', () => {
    expect(check(jamfClaims({ exp: NOW - 59 }))).toBe('none');
    expect(check(jamfClaims({ exp: NOW - 60 }))).toBe('TOKEN_EXPIRED');
    expect(check(jamfClaims({ exp: NOW - 1 }), { leewaySeconds: 0 })).toBe('TOKEN_EXPIRED');
  });

  it('accepts fractional NumericDates', () => {
    expect(check(jamfClaims({ exp: NOW + 10.5 }))).toBe('none');
  });

  it('honours nbf and iat within the leeway', () => {
    expect(check(jamfClaims({ nbf: NOW + 60 }))).toBe('none');
    expect(check(jamfClaims({ nbf: NOW + 61 }))).toBe('TOKEN_NOT_YET_VALID');
    expect(check(jamfClaims({ iat: NOW + 60 }))).toBe('none');
    expect(check(jamfClaims({ iat: 'now' }))).toBe('CLAIM_INVALID');
  });

  it('checks iss and sub against lists, or not at all when null', () => {
    expect(check(jamfClaims({ iss: 'Other' }), { issuer: ['JSS', 'Other'] })).toBe('none');
    expect(check(jamfClaims({ iss: 'Other' }), { issuer: null })).toBe('none');
    expect(check(jamfClaims({ sub: 'X' }), { subject: null })).toBe('none');
    expect(check(jamfClaims({ sub: 'X' }))).toBe('CLAIM_INVALID');
  });

  it('checks aud only when configured, accepting a string or an array', () => {
    expect(check(jamfClaims())).toBe('none');
    expect(check(jamfClaims(), { audience: 'dp1' })).toBe('CLAIM_INVALID');
    expect(check(jamfClaims({ aud: 'dp1' }), { audience: 'dp1' })).toBe('none');
    expect(check(jamfClaims({ aud: ['x', 'dp1'] }), { audience: ['dp1', 'dp2'] })).toBe('none');
    expect(check(jamfClaims({ aud: ['x'] }), { audience: 'dp1' })).toBe('CLAIM_INVALID');
    expect(check(jamfClaims({ aud: ['dp1', 7] }), { audience: 'dp1' })).toBe('CLAIM_INVALID');
    expect(check(jamfClaims({ aud: [] }), { audience: 'dp1' })).toBe('CLAIM_INVALID');
  });

  it('exp may be absent when requireExp is false', () => {
    expect(check({ sub: 'AppManifest', iss: 'JSS' }, { requireExp: false })).toBe('none');
  });

  it('enforces maxLifetimeSeconds from now and from iat', () => {
    expect(check(jamfClaims({ exp: NOW + 3600 }), { maxLifetimeSeconds: 900 })).toBe(
      'CLAIM_INVALID',
    );
    expect(check(jamfClaims({ exp: NOW + 900 }), { maxLifetimeSeconds: 900 })).toBe('none');
    expect(
      check(jamfClaims({ exp: NOW + 600, iat: NOW - 3600 }), { maxLifetimeSeconds: 900 }),
    ).toBe('CLAIM_INVALID');
  });

  it('TokenError names the claim at fault, never its value', () => {
    try {
      createNodeVerifier([{ key: a.publicKey }]).verify(
        token(jamfClaims({ iss: 'secret-issuer' })),
        NOW,
      );
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TokenError);
      expect((err as TokenError).claim).toBe('iss');
      expect((err as TokenError).message).not.toContain('secret-issuer');
    }
  });
});

describe('options are validated once, at construction', () => {
  const build = (options: VerifyOptions) => () =>
    createNodeVerifier([{ key: a.publicKey }], options);
  it.each([
    [{ algorithms: ['none'] }],
    [{ algorithms: ['HS256'] }],
    [{ algorithms: [] }],
    [{ leewaySeconds: -1 }],
    [{ maxTokenLength: 1.5 }],
    [{ issuer: '' }],
    [{ maxKeysTried: 0 }],
  ] as Array<[VerifyOptions]>)('%j throws TypeError', (options) => {
    expect(build(options)).toThrow(TypeError);
  });

  it('needs a key ring and a backend', () => {
    expect(() => new TokenVerifier({} as never)).toThrow(TypeError);
  });

  it('RS384 works when allowed', () => {
    const v = createNodeVerifier([{ key: a.publicKey }], { algorithms: ['RS256', 'RS384'] });
    const input = `${Buffer.from('{"alg":"RS384"}').toString('base64url')}.${Buffer.from(JSON.stringify(jamfClaims())).toString('base64url')}`;
    const sig = createSign('sha384').update(input).sign(a.privateKey).toString('base64url');
    expect(v.verify(`${input}.${sig}`, NOW).header.alg).toBe('RS384');
  });
});

describe('results', () => {
  it('freezes header and claims so callers cannot alter a cached result', () => {
    const v = createNodeVerifier([{ key: a.publicKey }]);
    const r = v.verify(signToken(a.privateKey, { now: NOW }), NOW);
    expect(Object.isFrozen(r.claims)).toBe(true);
    expect(r.expiresAt).toBe(NOW + 900);
  });

  it('uses the injected clock by default', () => {
    const v = new TokenVerifier({
      keyRing: new KeyRing([{ key: a.publicKey }]),
      backend: nodeSignatureBackend,
      clock: () => NOW + 10_000,
    });
    expect(codeOf(() => v.verify(signToken(a.privateKey, { now: NOW })))).toBe('TOKEN_EXPIRED');
  });

  it('tokenFingerprint is short, stable and not the token', () => {
    const t = signToken(a.privateKey, { now: NOW });
    expect(tokenFingerprint(t)).toMatch(/^[0-9a-f]{16}$/);
    expect(tokenFingerprint(t)).toBe(tokenFingerprint(t));
    expect(tokenFingerprint(`${t}x`)).not.toBe(tokenFingerprint(t));
  });
});

describe('the path claim (tokens Portcullis mints for one file)', () => {
  const v = createNodeVerifier([{ key: a.publicKey }], { cache: false });
  const withPath = (path: unknown) =>
    craftJson({ alg: 'RS256' }, jamfClaims({ path }), a.privateKey);

  it('passes an absolute path through to the caller, who compares it', () => {
    expect(v.verify(withPath('/apps/App.ipa'), NOW).claims.path).toBe('/apps/App.ipa');
  });

  it('refuses a binding that is not an absolute path string, never treating it as unbound', () => {
    for (const bad of [null, 42, ['/a.ipa'], { p: '/a.ipa' }, '', 'a.ipa']) {
      expect(
        codeOf(() => v.verify(withPath(bad), NOW)),
        JSON.stringify(bad).slice(0, 20),
      ).toBe('CLAIM_INVALID');
    }
  });
});
