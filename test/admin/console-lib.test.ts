/**
 * Pure helpers of the console: how problem+json field paths map to form fields (so an error shows
 * next to the field that caused it), content URLs that keep slashes but escape everything else,
 * and the display formats the pages rely on.
 */
import { describe, expect, it } from 'vitest';
import { contentUrl, fieldName } from '../../src/admin/web/src/lib/api.js';
import { ageInDays, formatBytes, formatSeconds, toMs } from '../../src/admin/web/src/lib/format.js';

describe('fieldName', () => {
  it.each([
    ['displayName', 'displayName'],
    ['key.pem', 'key.pem'],
    ['/key/passphrase', 'key.passphrase'],
    ['body.tokenExpiry', 'tokenExpiry'],
    ['(root)', '(root)'],
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
