// The probe is only as good as its hostile tokens: each one must carry exactly the defect its
// name claims, checked here independently with node:crypto.
import {
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  verify,
} from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { craftProbeCases, type ProbeCaseId } from '../../src/probe/tokens.js';

const own = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const NOW = 1_800_000_000;
const cases = craftProbeCases({ privateKey: own, attackerKey: attacker, now: NOW });

function tokenOf(id: ProbeCaseId): string {
  const token = cases.find((c) => c.id === id)?.token;
  if (!token) throw new Error(`no token for ${id}`);
  return token;
}

function parts(token: string) {
  const [h, p, s] = token.split('.') as [string, string, string];
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>,
    input: `${h}.${p}`,
    signature: Buffer.from(s, 'base64url'),
  };
}

function rsaValid(token: string, key: KeyObject): boolean {
  const t = parts(token);
  return verify('sha256', Buffer.from(t.input), createPublicKey(key), t.signature);
}

describe('craftProbeCases', () => {
  it('makes a byte-for-byte Jamf-shaped valid token signed by the given key', () => {
    const valid = tokenOf('valid');
    expect(valid.split('.')[0]).toBe(Buffer.from('{"alg":"RS256"}').toString('base64url'));
    expect(parts(valid).claims).toEqual({ sub: 'AppManifest', iss: 'JSS', exp: NOW + 300 });
    expect(rsaValid(valid, own)).toBe(true);
  });

  it('binds every signed token to the probed path when given one, the valid one byte for byte', () => {
    const bound = craftProbeCases({
      privateKey: own,
      attackerKey: attacker,
      now: NOW,
      path: '/apps/My App.ipa',
    });
    const valid = bound.find((c) => c.id === 'valid')?.token ?? '';
    // Same order as the admin signer writes (sub, iss, exp, path): the change log fingerprints it.
    expect(Buffer.from(valid.split('.')[1]!, 'base64url').toString()).toBe(
      '{"sub":"AppManifest","iss":"JSS","exp":1800000300,"path":"/apps/My App.ipa"}',
    );
    for (const c of bound) {
      if (c.token === null || c.id === 'garbage-token' || c.id === 'alg-none') continue;
      expect(parts(c.token).claims.path, c.id).toBe('/apps/My App.ipa');
    }
  });

  it('lists hostile cases first, then the valid one, then the informational Bearer case', () => {
    expect(cases.at(-2)?.id).toBe('valid');
    expect(cases.at(-1)).toMatchObject({
      id: 'valid-bearer',
      expected: 'info',
      placement: 'bearer',
    });
    const hostile = cases.slice(0, -2);
    expect(hostile.length).toBeGreaterThanOrEqual(13);
    expect(hostile.every((c) => c.expected === 'refused' && c.placement === 'query')).toBe(true);
    expect(cases.find((c) => c.id === 'no-token')?.token).toBeNull();
  });

  it('gives the claim-defect tokens a genuine signature, so only the claim is wrong', () => {
    const expect_ = {
      expired: (c: Record<string, unknown>) => c.exp === NOW - 3600,
      'not-yet-valid': (c: Record<string, unknown>) => c.nbf === NOW + 3600,
      'no-exp': (c: Record<string, unknown>) => !('exp' in c),
      'wrong-iss': (c: Record<string, unknown>) => c.iss !== 'JSS' && c.sub === 'AppManifest',
      'wrong-sub': (c: Record<string, unknown>) => c.sub !== 'AppManifest' && c.iss === 'JSS',
    } as const;
    for (const [id, check] of Object.entries(expect_)) {
      const token = tokenOf(id as ProbeCaseId);
      expect(rsaValid(token, own), id).toBe(true);
      expect(check(parts(token).claims), id).toBe(true);
    }
  });

  it('corrupts the bad-signature token without changing header, claims or length', () => {
    const bad = parts(tokenOf('bad-signature'));
    const good = parts(tokenOf('valid'));
    expect(bad.input).toBe(good.input);
    expect(bad.signature.length).toBe(good.signature.length);
    expect(rsaValid(tokenOf('bad-signature'), own)).toBe(false);
  });

  it('signs foreign-key, jwk and jku tokens with the attacker key, not the real one', () => {
    for (const id of ['foreign-key', 'jwk-header', 'jku-header'] as const) {
      expect(rsaValid(tokenOf(id), attacker), id).toBe(true);
      expect(rsaValid(tokenOf(id), own), id).toBe(false);
    }
    const jwk = parts(tokenOf('jwk-header')).header.jwk as { n: string };
    expect(jwk.n).toBe(createPublicKey(attacker).export({ format: 'jwk' }).n);
    expect(parts(tokenOf('jku-header')).header.jku).toMatch(/^https:\/\/[^/]+\.invalid\//);
  });

  it('makes alg none with an empty signature segment', () => {
    const token = tokenOf('alg-none');
    expect(token.endsWith('.')).toBe(true);
    expect(parts(token).header).toEqual({ alg: 'none' });
  });

  it('HMACs the HS256 tokens with the public key PEM text a naive verifier would use', () => {
    const pub = createPublicKey(own);
    const pems = {
      'hs256-public-key': pub.export({ type: 'spki', format: 'pem' }).toString(),
      'hs256-public-key-pkcs1': pub.export({ type: 'pkcs1', format: 'pem' }).toString(),
    } as const;
    for (const [id, pem] of Object.entries(pems)) {
      const t = parts(tokenOf(id as ProbeCaseId));
      expect(t.header).toEqual({ alg: 'HS256' });
      const mac = createHmac('sha256', pem).update(t.input).digest();
      expect(mac.equals(t.signature), id).toBe(true);
    }
  });
});
