import { describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../src/token/base64url.js';
import { explainToken, relativeTime } from '../../src/token/inspect.js';
import { KeyRing } from '../../src/token/key-ring.js';
import { nodeSignatureBackend } from '../../src/token/node.js';
import { signToken } from '../../src/token/sign.js';
import { craftJson, jamfClaims, NOW, rsaPair } from './helpers.js';

const a = rsaPair();
const b = rsaPair();
const withKey = (key = a.publicKey) => ({
  keyRing: new KeyRing([{ key, label: 'a.pem' }]),
  backend: nodeSignatureBackend,
  now: NOW,
});
const verdicts = (e: ReturnType<typeof explainToken>) =>
  Object.fromEntries(e.checks.map((c) => [c.name, c.ok]));

describe('explainToken', () => {
  it('reports every check of a valid token and which key matched', () => {
    const e = explainToken(signToken(a.privateKey, { now: NOW }), withKey());
    expect(e.valid).toBe(true);
    expect(e.key).toEqual({ label: 'a.pem' });
    expect(verdicts(e)).toEqual({
      structure: true,
      alg: true,
      header: true,
      key: true,
      signature: true,
      exp: true,
      nbf: null,
      iat: null,
      iss: true,
      sub: true,
      aud: null,
      lifetime: null,
      path: null,
    });
    expect(e.times.exp).toEqual({
      seconds: NOW + 900,
      iso: '2027-01-14T08:15:00.000Z',
      relative: 'in 15m',
    });
    expect(e.checks.find((c) => c.name === 'exp')?.message).toBe('expires in 15m');
  });

  it('without keys leaves key and signature unchecked and the verdict open', () => {
    const e = explainToken(signToken(a.privateKey, { now: NOW }), { now: NOW });
    expect(verdicts(e).signature).toBeNull();
    expect(e.valid).toBeNull();
  });

  it('keeps going after a failure so every problem is visible', () => {
    const token = craftJson(
      { alg: 'RS256', jku: 'https://x' },
      jamfClaims({ exp: NOW - 3600, iss: 'X' }),
      b.privateKey,
    );
    const e = explainToken(token, withKey());
    expect(e.valid).toBe(false);
    const failed = e.checks.filter((c) => c.ok === false).map((c) => c.code);
    expect(failed).toEqual([
      'HEADER_NOT_ALLOWED',
      'SIGNATURE_INVALID',
      'TOKEN_EXPIRED',
      'CLAIM_INVALID',
    ]);
    expect(e.times.exp?.relative).toBe('1h ago');
  });

  it('explains a structurally broken token with one failed check', () => {
    const e = explainToken(`${encodeBase64Url('[1]')}.e30.`, withKey());
    expect(e.header).toBeNull();
    expect(e.checks).toEqual([
      expect.objectContaining({ name: 'structure', ok: false, code: 'TOKEN_MALFORMED' }),
    ]);
    expect(e.valid).toBe(false);
  });

  it('reports KEY_NOT_FOUND for an unknown kid', () => {
    const e = explainToken(signToken(a.privateKey, { now: NOW, kid: 'zz' }), withKey());
    expect(e.checks.find((c) => c.name === 'key')).toMatchObject({
      ok: false,
      code: 'KEY_NOT_FOUND',
    });
  });
});

describe('relativeTime', () => {
  it.each([
    [NOW + 840, 'in 14m'],
    [NOW - 3 * 3600 - 20, '3h ago'],
    [NOW + 2 * 86_400 + 5, 'in 2d'],
    [NOW, 'now'],
    [NOW + 5, 'in 5s'],
  ])('%d → %s', (t, text) => {
    expect(relativeTime(t, NOW)).toBe(text);
  });
});

describe('explainToken display', () => {
  it('still shows header and claims when only the signature segment is malformed', () => {
    const [h, p] = signToken(a.privateKey, { now: NOW }).split('.');
    const e = explainToken(`${h}.${p}.not+base64`, { now: NOW });
    expect(e.claims).toEqual(jamfClaims());
    expect(e.checks[0]).toMatchObject({ name: 'structure', ok: false, code: 'TOKEN_MALFORMED' });
  });
});
