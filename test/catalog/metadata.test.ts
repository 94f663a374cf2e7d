import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogError } from '../../src/catalog/errors.js';
import { readIpaMetadata } from '../../src/catalog/ipa.js';
import { kindOfPath, readContentMetadata, sanitizeMetadata } from '../../src/catalog/metadata.js';
import { readPkgMetadata } from '../../src/catalog/pkg.js';
import { buildXar, packageInfoXml } from '../helpers/xar-writer.js';
import { type Fixtures, makeFixtures } from './fixtures.js';

let fx: Fixtures;
beforeAll(() => {
  fx = makeFixtures();
}, 60_000);
afterAll(() => fx.cleanup());

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CatalogError) return err.code;
    throw err;
  }
  return undefined;
}

describe('readContentMetadata: apps', () => {
  it('reads a binary Info.plist and a CMS-signed provisioning profile', async () => {
    const r = await readContentMetadata(fx.path('app-binary.ipa'));
    expect(r.kind).toBe('app');
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.metadata).toMatchObject({
      bundleId: 'com.example.fieldkit',
      version: '2.4.1',
      buildVersion: '241',
      title: 'Field Kit',
      minimumOsVersion: '16.0',
      platforms: ['iPhone', 'iPad', 'iPhoneOS'],
      profileName: 'Field Kit In-House',
      teamName: 'Example Corp',
      provisionsAllDevices: true,
    });
    expect(Date.parse(r.metadata.profileExpiresAt as string)).toBeGreaterThan(
      Date.now() + 100 * 86_400_000,
    );
    expect(r.warnings).toEqual([]);
  });

  it('reads an XML Info.plist, falls back to CFBundleName, and warns of a profile expiring soon', async () => {
    const r = await readContentMetadata(fx.path('app-xml.ipa'));
    expect(r.metadata.title).toBe('FieldKit');
    expect(r.metadata.bundleId).toBe('com.example.fieldkit');
    expect(r.warnings.map((w) => w.code)).toEqual(['PROFILE_EXPIRES_SOON']);
  });

  it('flags an expired profile', async () => {
    const r = await readContentMetadata(fx.path('app-expired.ipa'));
    expect(r.warnings.map((w) => w.code)).toEqual(['PROFILE_EXPIRED']);
  });

  it('uses the clock it is given for profile warnings', async () => {
    const r = await readContentMetadata(fx.path('app-binary.ipa'), {
      now: Date.now() + 190 * 86_400_000,
    });
    expect(r.warnings.map((w) => w.code)).toEqual(['PROFILE_EXPIRES_SOON']);
  });
});

describe('hostile archives', () => {
  it.each([
    ['bomb.ipa', 'ZIP_ENTRY_RATIO'],
    ['huge-plist.ipa', 'ZIP_ENTRY_TOO_LARGE'],
    ['many-entries.ipa', 'ZIP_TOO_MANY_ENTRIES'],
    ['truncated.ipa', 'ZIP_INVALID'],
    ['lying-size.ipa', 'ZIP_INVALID'],
    ['entities.ipa', 'PLIST_INVALID'],
    ['guide.pdf', 'ZIP_INVALID'],
  ])('%s is refused with %s', async (name, code) => {
    expect(await codeOf(readIpaMetadata(fx.path(name)))).toBe(code);
  });

  it('still catalogues a hostile file by size and hash, with a METADATA_UNREADABLE warning', async () => {
    const r = await readContentMetadata(fx.path('bomb.ipa'));
    expect(r.kind).toBe('app');
    expect(r.size).toBeGreaterThan(0);
    expect(r.warnings.map((w) => w.code)).toEqual(['METADATA_UNREADABLE']);
    expect(r.metadata.unreadableCode).toBe('ZIP_ENTRY_RATIO');
    expect(r.metadata.bundleId).toBeUndefined();
  });

  it('refuses an app without Info.plist', async () => {
    expect(await codeOf(readIpaMetadata(fx.path('book.epub')))).toBe('ZIP_ENTRY_MISSING');
  });
});

describe('readContentMetadata: packages', () => {
  it('reads a component package PackageInfo and computes 10 MiB chunk hashes', async () => {
    const r = await readContentMetadata(fx.path('component.pkg'));
    expect(r.kind).toBe('package');
    expect(r.metadata).toMatchObject({
      packageType: 'component',
      bundleId: 'com.example.agent',
      version: '3.1.0',
      installLocation: '/Library/Agent',
      packages: [{ id: 'com.example.agent', version: '3.1.0' }],
    });
    const chunks = r.metadata.chunkHashes as {
      chunkSize: number;
      md5s: string[];
      sha256s: string[];
    };
    expect(chunks.chunkSize).toBe(10485760);
    expect(chunks.sha256s).toEqual([r.sha256]); // one chunk: the chunk hash is the file hash
    expect(chunks.md5s[0]).toMatch(/^[0-9a-f]{32}$/);
  });

  it('reads a product package Distribution with several pkg-refs', async () => {
    const r = await readContentMetadata(fx.path('product.pkg'));
    expect(r.metadata).toMatchObject({
      packageType: 'product',
      bundleId: 'com.example.suite',
      version: '5.0',
      title: 'Example Suite',
      packages: [
        { id: 'com.example.suite.core', version: '5.0.1' },
        { id: 'com.example.suite.helper', version: '1.2' },
      ],
    });
  });

  const hostile: Array<[string, Buffer, string]> = [
    ['not a xar', Buffer.from('PK\x03\x04 not a xar at all, just bytes'), 'XAR_INVALID'],
    [
      'TOC length past end of file',
      buildXar([{ path: 'PackageInfo', data: packageInfoXml('a', '1') }], {
        tocCompressedOverride: 10_000_000,
      }),
      'XAR_INVALID',
    ],
    [
      'TOC declared larger than 16 MiB',
      buildXar([{ path: 'PackageInfo', data: packageInfoXml('a', '1') }], {
        tocUncompressedOverride: 2 ** 40,
      }),
      'XAR_TOO_LARGE',
    ],
    [
      'TOC inflating past its declared size',
      buildXar([{ path: 'PackageInfo', data: packageInfoXml('a', '1') }], {
        tocUncompressedOverride: 10,
      }),
      'XAR_TOO_LARGE',
    ],
    [
      'entry offset past end of file',
      buildXar([{ path: 'PackageInfo', data: packageInfoXml('a', '1'), offsetOverride: 1e12 }]),
      'XAR_INVALID',
    ],
    [
      'entry declaring 100 MB',
      buildXar([
        { path: 'PackageInfo', data: packageInfoXml('a', '1'), sizeOverride: 100_000_000 },
      ]),
      'XAR_TOO_LARGE',
    ],
    [
      'entry lying about its extracted size',
      buildXar([{ path: 'PackageInfo', data: 'x'.repeat(100_000), sizeOverride: 50 }]),
      'XAR_TOO_LARGE',
    ],
    ['TOC that is not XML', buildXar([], { tocXml: '<xar><toc><file>' }), 'XML_INVALID'],
  ];
  it.each(hostile)('refuses a xar with %s', async (_name, bytes, code) => {
    const file = fx.path('hostile.pkg');
    writeFileSync(file, bytes);
    expect(await codeOf(readPkgMetadata(file))).toBe(code);
  });
});

describe('readContentMetadata: books and others', () => {
  it('reads EPUB Dublin Core metadata, preferring the unique identifier', async () => {
    const r = await readContentMetadata(fx.path('book.epub'));
    expect(r.kind).toBe('book');
    expect(r.metadata).toMatchObject({
      title: 'Safety & Procedures — Édition 2',
      author: 'Ops Team',
      language: 'fr',
      identifier: 'urn:uuid:6f1c2c1e-2c1e-4a7b-9a77-000000000001',
      bookFormat: 'epub',
    });
  });

  it('reads a PDF title and page count', async () => {
    const r = await readContentMetadata(fx.path('guide.pdf'));
    expect(r.metadata).toMatchObject({
      title: 'Field Guide (2nd ed.)',
      pageCount: 3,
      bookFormat: 'pdf',
    });
  });

  it('classifies by extension, case-insensitively', () => {
    expect(kindOfPath('a/B.IPA')).toBe('app');
    expect(kindOfPath('x.mpkg')).toBe('package');
    expect(kindOfPath('x.ibooks')).toBe('book');
    expect(kindOfPath('x.dmg')).toBe('other');
    expect(kindOfPath('noext')).toBe('other');
  });

  it('gives other files size and hash only', async () => {
    const file = fx.path('notes.txt');
    writeFileSync(file, 'hello');
    const r = await readContentMetadata(file);
    expect(r).toEqual({
      kind: 'other',
      size: 5,
      sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
      metadata: {},
      warnings: [],
    });
  });
});

describe('sanitizeMetadata', () => {
  it('replaces terminal escape and other control characters in strings and keys', () => {
    expect(
      sanitizeMetadata({
        title: 'Evil\u001b[2J\u0007App',
        list: ['a\u0085b'],
        n: 3,
        'k\u0000': 'v',
      }),
    ).toEqual({
      title: 'Evil [2J App',
      list: ['a b'],
      n: 3,
      'k ': 'v',
    });
  });

  it('caps each field, keeps surrogate pairs whole, repairs lone ones, bounds lists and keys', () => {
    const out = sanitizeMetadata({
      bundleId: 'x'.repeat(400_000),
      title: `${'t'.repeat(511)}\u{1F600}`,
      author: 'a\ud800b\udc00c',
      packages: Array.from({ length: 1000 }, (_, i) => ({ id: `p${i}` })),
      extra: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])),
    }) as Record<string, unknown>;
    expect(out.bundleId).toBe('x'.repeat(256));
    // The emoji's pair would be cut in half at 512: it is dropped whole instead.
    expect(out.title).toBe('t'.repeat(511));
    expect(out.author).toBe('a\ufffdb\ufffdc');
    expect(out.packages).toHaveLength(100);
    expect(Object.keys(out.extra as object)).toHaveLength(64);
  });

  it('cleans five 1 MB strings in linear time and memory (no char-by-char building)', () => {
    const big = 'y'.repeat(1024 * 1024);
    const started = performance.now();
    const out = sanitizeMetadata({ a: big, b: big, c: big, d: big, e: big }) as Record<
      string,
      string
    >;
    expect(Object.values(out).every((v) => v.length === 512)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
