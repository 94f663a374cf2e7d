/**
 * Pure helpers of the console: how problem+json field paths map to form fields (so an error shows
 * next to the field that caused it), content URLs that keep slashes but escape everything else,
 * and the display formats the pages rely on.
 */
import { describe, expect, it } from 'vitest';
import { contentUrl, fieldName } from '../../src/admin/web/src/lib/api.js';
import { labelPlacement, niceTicks } from '../../src/admin/web/src/lib/chart-scale.js';
import {
  ageInDays,
  formatBytes,
  formatSeconds,
  rotationSummary,
  toMs,
} from '../../src/admin/web/src/lib/format.js';
import {
  bodyOf,
  draftOf,
  formatClaims,
  parseClaims,
} from '../../src/admin/web/src/lib/jwt-server-draft.js';
import {
  defaultBesideOthers,
  preferredConfiguration,
} from '../../src/admin/web/src/lib/preferred.js';

describe('fieldName', () => {
  it.each([
    ['displayName', 'displayName'],
    ['key.pem', 'key.pem'],
    ['/key/passphrase', 'key.passphrase'],
    ['body.tokenExpiry', 'tokenExpiry'],
    ['(root)', '(root)'],
    [['key', 'pem'], 'key.pem'],
    [['requiredClaims'], 'requiredClaims'],
  ])('%s → %s', (path, name) => {
    expect(fieldName(path)).toBe(name);
  });
});

describe('contentUrl', () => {
  it('keeps folder slashes and escapes names', () => {
    expect(contentUrl('apps/My App #1.ipa', '/install?config=x')).toBe(
      '/api/v1/content/apps/My%20App%20%231.ipa/install?config=x',
    );
  });
  it('cannot be steered out of /api/v1/content by a crafted name', () => {
    expect(contentUrl('a/..%2f../x?y')).toBe('/api/v1/content/a/..%252f../x%3Fy');
    for (const bad of ['../auth/token', 'apps/../../auth', './x', 'a/%2e%2e/b', 'a/%2E./b']) {
      expect(() => contentUrl(bad)).toThrow(TypeError);
    }
  });
});

describe('formats', () => {
  it.each([
    [0, '0 B'],
    [1536, '1.5 KiB'],
    [200 * 1024 * 1024, '200 MiB'],
  ])('formatBytes(%d) = %s', (n, text) => expect(formatBytes(n)).toBe(text));

  it.each([
    [300, '5 minutes'],
    [3600, '1 hour'],
    [86_400, '1 day'],
    [604_800, '1 week'],
    [5400, '90 minutes'],
    [61, '61 seconds'],
  ])('formatSeconds(%d) = %s', (s, text) => expect(formatSeconds(s)).toBe(text));

  it('reads ISO strings, seconds and milliseconds alike', () => {
    expect(toMs('2026-01-01T00:00:00.000Z')).toBe(1767225600000);
    expect(toMs(1767225600)).toBe(1767225600000);
    expect(toMs(1767225600000)).toBe(1767225600000);
    expect(toMs('not a date')).toBeNull();
  });

  it('counts key age in whole days', () => {
    const now = Date.parse('2026-12-31T12:00:00Z');
    expect(ageInDays('2025-12-31T12:00:00Z', now)).toBe(365);
    expect(ageInDays(null, now)).toBe(0);
  });
});

describe('dashboard wording and chart scale', () => {
  it.each([
    [0, 'No keys yet.'],
    [1, 'The key is less than 335 days old.'],
    [3, 'All 3 keys are less than 335 days old.'],
  ])('rotationSummary(%d)', (count, text) => expect(rotationSummary(count, 335)).toBe(text));

  it.each([
    [0, [0, 1]],
    [1, [0, 1]],
    [3, [0, 1, 2, 3]],
    [5, [0, 2, 4, 6]],
    [7, [0, 2, 4, 6, 8]],
    [23, [0, 10, 20, 30]],
    [480, [0, 200, 400, 600]],
  ])('niceTicks(%d) = %j', (max, ticks) => expect(niceTicks(max)).toEqual(ticks));

  it('keeps edge labels inside the chart', () => {
    expect(labelPlacement(715, 720)).toEqual({ x: 718, anchor: 'end' });
    expect(labelPlacement(5, 720)).toEqual({ x: 2, anchor: 'start' });
    expect(labelPlacement(360, 720)).toEqual({ x: 360, anchor: 'middle' });
  });
});

describe('never prefer the zero-config "Default"', () => {
  const def = { id: 'd', enabled: true, zeroConfig: true };
  const mine = { id: 'm', enabled: true, zeroConfig: false };
  const off = { id: 'o', enabled: false, zeroConfig: false };
  it('picks the admin key over Default whatever the order, Default only when alone', () => {
    expect(preferredConfiguration([def, mine])?.id).toBe('m');
    expect(preferredConfiguration([mine, def])?.id).toBe('m');
    expect(preferredConfiguration([def, off])?.id).toBe('d');
    expect(preferredConfiguration([off])?.id).toBe('o');
    expect(preferredConfiguration([])).toBeUndefined();
  });
  it('flags Default only when it is enabled beside another enabled configuration', () => {
    expect(defaultBesideOthers([def, mine])?.id).toBe('d');
    expect(defaultBesideOthers([def, off])).toBeUndefined();
    expect(defaultBesideOthers([{ ...def, enabled: false }, mine])).toBeUndefined();
  });
});

describe('External JWT server form data', () => {
  it('reads claim = value lines, repeated claims as lists, and round-trips them', () => {
    const text = 'repository_owner = acme\nref = refs/heads/main\nref = refs/tags/v1\n\n';
    const claims = parseClaims(text);
    expect(claims).toEqual({
      repository_owner: 'acme',
      ref: ['refs/heads/main', 'refs/tags/v1'],
    });
    expect(parseClaims(formatClaims(claims))).toEqual(claims);
    expect(parseClaims('url = https://x.example/a=b')).toEqual({ url: 'https://x.example/a=b' });
    expect(() => parseClaims('just-a-name')).toThrow(/Line 1/);
  });

  it('keeps a __proto__ claim as data for the server to refuse, never as a prototype', () => {
    const claims = parseClaims('__proto__ = x');
    expect(Object.hasOwn(claims, '__proto__')).toBe(true);
    expect(JSON.stringify(claims)).toBe('{"__proto__":"x"}');
  });

  it('sends the JWKS URL only when new or changed, and the secret only when typed', () => {
    const server = {
      id: 's',
      name: 'CI',
      issuer: 'https://ci.example',
      jwksUrl: null,
      hasSharedSecret: true,
      audience: 'portcullis',
      role: 'read-only' as const,
      usernameClaim: 'sub',
      requiredClaims: {},
      maxTokenLifetimeSeconds: 600,
      enabled: true,
      createdAt: '',
      updatedAt: '',
      warnings: [],
    };
    const d = draftOf(server);
    expect(d.method).toBe('secret');
    expect(d.minutes).toBe('10');
    const kept = bodyOf(d, server);
    expect(kept).not.toHaveProperty('sharedSecret');
    expect(kept).not.toHaveProperty('jwksUrl');
    expect(kept.maxTokenLifetimeSeconds).toBe(600);
    expect(bodyOf({ ...d, secret: 'n'.repeat(40) }, server).sharedSecret).toBe('n'.repeat(40));
    const switched = bodyOf({ ...d, method: 'jwks', jwksUrl: 'https://ci.example/jwks' }, server);
    expect(switched.jwksUrl).toBe('https://ci.example/jwks');
    expect(switched).not.toHaveProperty('sharedSecret');
    expect(bodyOf(draftOf())).toMatchObject({
      jwksUrl: '',
      role: 'read-only',
      usernameClaim: 'sub',
    });
  });
});
