/**
 * The reserved-route table (src/http/reserved.ts): one prefix, one deprecated alias that is
 * matched but never generated, and the decoded-path rule that keeps content out of the prefix.
 */
import { describe, expect, it } from 'vitest';
import {
  isReservedContentPath,
  matchReserved,
  mayExtensionServe,
  RESERVED_PREFIX,
  RESERVED_ROUTES,
  reservedPath,
} from '../../src/http/reserved.js';

describe('reserved routes', () => {
  it('generates every route under the one prefix', () => {
    for (const name of ['healthz', 'readyz', 'auth', 'manifest'] as const) {
      expect(reservedPath(name).startsWith(RESERVED_PREFIX)).toBe(true);
    }
    const outside = RESERVED_ROUTES.filter((r) => !r.path.startsWith(RESERVED_PREFIX));
    expect(outside).toEqual([
      { name: 'manifest', path: '/.portcullis/manifest/', deprecated: true },
    ]);
  });

  it('matches exact routes exactly and prefix routes with their rest, the alias included', () => {
    expect(matchReserved('/_portcullis/healthz')?.route.name).toBe('healthz');
    expect(matchReserved('/_portcullis/healthz/')).toBeNull();
    expect(matchReserved('/_portcullis/healthzx')).toBeNull();
    expect(matchReserved('/_portcullis/manifest/a%20b.ipa.plist')).toMatchObject({
      route: { name: 'manifest' },
      rest: 'a%20b.ipa.plist',
    });
    expect(matchReserved('/.portcullis/manifest/a.ipa.plist')).toMatchObject({
      route: { name: 'manifest', deprecated: true },
      rest: 'a.ipa.plist',
    });
    expect(matchReserved('/.portcullis/healthz')).toBeNull();
    expect(matchReserved('/_PORTCULLIS/healthz')).toBeNull();
  });

  it('treats a decoded path under the prefix in any letter case as reserved, and nothing else', () => {
    for (const p of [
      '/_portcullis',
      '/_portcullis/',
      '/_PORTCULLIS/x',
      '/_Portcullis/healthz',
      // Long s (U+017F) case-folds to s: the same folder on a case-insensitive volume.
      '/_portculli\u017F/x',
      '/_PORTCULLI\u017F',
    ]) {
      expect(isReservedContentPath(p), p).toBe(true);
    }
    for (const p of [
      '/',
      '/_portcullis.txt',
      '/_portcullisx/a',
      '/a/_portcullis/b',
      '/apps/A.ipa',
    ]) {
      expect(isReservedContentPath(p), p).toBe(false);
    }
  });

  it('lets an extension under the prefix serve only a reserved route', () => {
    expect(mayExtensionServe('/.well-known/jwks.json')).toBe(true);
    expect(mayExtensionServe(reservedPath('manifest'))).toBe(true);
    expect(mayExtensionServe('/_portcullis/other/')).toBe(false);
    expect(mayExtensionServe('/.portcullis/manifest/')).toBe(true);
  });
});
