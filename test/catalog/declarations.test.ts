/**
 * Declaration export as pure data: every declaration conforms to the keys derived from Apple's
 * schema files (test/catalog/apple/schemas.json), survives a round trip through python3's json,
 * and has a ServerToken that changes exactly when what the device would apply changes.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  assetDataDeclaration,
  type Declaration,
  defaultDeclarationIdentifier,
  manifestDeclaration,
} from '../../src/catalog/declarations.js';
import type { ContentRecord } from '../../src/contracts/content-catalog.js';
import { declarationProblems } from './apple/schema-check.js';

const LINK = 'https://dist.example.com/_portcullis/manifest/mac/Agent.pkg.plist?token=pml_abc';
const SHA = 'a'.repeat(64);

function record(kind: ContentRecord['kind'], path: string, metadata = {}): ContentRecord {
  return {
    path,
    size: 12345,
    sha256: SHA,
    kind,
    metadata: { bundleId: 'com.example.agent', version: '3.1.0', chunkHashes: {}, ...metadata },
    mtimeMs: 0,
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    uploadedBy: 'alice',
  };
}
const pkg = record('package', 'mac/Agent.pkg');
const ipa = record('app', 'apps/Field Kit.ipa', { bundleId: 'com.example.fieldkit' });

/** python3's json reads the export and writes it back unchanged (an independent parser). */
function pythonRoundTrip(d: Declaration): unknown {
  const out = execFileSync(
    'python3',
    ['-c', 'import json,sys;print(json.dumps(json.loads(sys.stdin.read())))'],
    { input: JSON.stringify(d) },
  );
  return JSON.parse(out.toString('utf8'));
}

describe('declarations against Apple schema keys', () => {
  it('com.apple.configuration.package: ManifestURL is the link, InstallBehavior when asked', () => {
    const d = manifestDeclaration(pkg, 'package', LINK, { install: 'Required' });
    expect(declarationProblems(d)).toEqual([]);
    expect(pythonRoundTrip(d)).toEqual(d);
    expect(d).toEqual({
      Type: 'com.apple.configuration.package',
      Identifier: defaultDeclarationIdentifier('package', 'mac/Agent.pkg'),
      ServerToken: expect.stringMatching(/^[0-9a-f]{64}$/),
      Payload: { ManifestURL: LINK, InstallBehavior: { Install: 'Required' } },
    });
    // Keys a package declaration does not have are never added, whatever is asked.
    const all = manifestDeclaration(pkg, 'package', LINK, {
      automaticAppUpdates: 'AlwaysOn',
      includeInBackup: false,
    });
    expect(Object.keys(all.Payload)).toEqual(['ManifestURL']);
  });

  it('com.apple.configuration.app.managed: install, update and backup keys as Apple types them', () => {
    const d = manifestDeclaration(ipa, 'app.managed', LINK, {
      install: 'Optional',
      automaticAppUpdates: 'AlwaysOn',
      includeInBackup: false,
      identifier: 'com.example.ddm.fieldkit',
    });
    expect(declarationProblems(d)).toEqual([]);
    expect(pythonRoundTrip(d)).toEqual(d);
    expect(d.Payload).toEqual({
      ManifestURL: LINK,
      InstallBehavior: { Install: 'Optional' },
      UpdateBehavior: { AutomaticAppUpdates: 'AlwaysOn' },
      IncludeInBackup: false,
    });
    expect(d.Identifier).toBe('com.example.ddm.fieldkit');
    expect(declarationProblems(manifestDeclaration(ipa, 'app.managed', LINK))).toEqual([]);
  });

  it('com.apple.asset.data: the plain file URL, MDM authentication, size and hash', () => {
    const d = assetDataDeclaration(ipa, 'https://dist.example.com/');
    expect(declarationProblems(d)).toEqual([]);
    expect(pythonRoundTrip(d)).toEqual(d);
    expect(d.Payload).toEqual({
      Reference: {
        DataURL: 'https://dist.example.com/apps/Field%20Kit.ipa',
        ContentType: expect.any(String),
        Size: 12345,
        'Hash-SHA-256': SHA,
      },
      Authentication: { Type: 'MDM' },
    });
    expect(JSON.stringify(d)).not.toMatch(/token=/);
  });

  it('the schema check catches a wrong type, an unknown key and a missing required key', () => {
    const d = manifestDeclaration(ipa, 'app.managed', LINK);
    expect(declarationProblems({ ...d, Payload: { ...d.Payload, IncludeInBackup: 'no' } })).toEqual(
      ['com.apple.configuration.app.managed.IncludeInBackup: expected boolean, got "no"'],
    );
    expect(declarationProblems({ ...d, Payload: { ...d.Payload, Token: 'x' } })[0]).toMatch(
      /Token: not a key/,
    );
    const { ServerToken: _, ...noToken } = d;
    expect(declarationProblems(noToken)[0]).toMatch(/ServerToken: required/);
    const pkgDecl = manifestDeclaration(pkg, 'package', LINK);
    expect(declarationProblems({ ...pkgDecl, Payload: {} })[0]).toMatch(/ManifestURL: required/);
  });
});

describe('ServerToken', () => {
  const token = (r: ContentRecord, url: string, opts = {}) =>
    manifestDeclaration(r, 'package', url, opts).ServerToken;

  it('is the same for the same export, whatever order the options came in', () => {
    expect(token(pkg, LINK, { install: 'Required', identifier: 'x' })).toBe(
      token(pkg, LINK, { identifier: 'x', install: 'Required' }),
    );
    expect(token(pkg, LINK)).toBe(token({ ...pkg, updatedAt: 'later', mtimeMs: 9 }, LINK));
  });

  it('changes with the payload, the identifier, the manifest link and the file itself', () => {
    const base = token(pkg, LINK);
    const changed = [
      token(pkg, LINK, { install: 'Required' }),
      token(pkg, LINK, { identifier: 'other' }),
      token(pkg, `${LINK}x`),
      token({ ...pkg, sha256: 'b'.repeat(64) }, LINK),
    ];
    for (const t of changed) expect(t).not.toBe(base);
    expect(new Set(changed).size).toBe(changed.length);
  });
});

describe('what does not fit', () => {
  it('refuses a package declaration for an app and app.managed for a package or a book', () => {
    for (const [r, kind] of [
      [ipa, 'package'],
      [pkg, 'app.managed'],
      [record('book', 'b.pdf'), 'app.managed'],
    ] as const) {
      expect(() => manifestDeclaration(r, kind, LINK)).toThrow(
        expect.objectContaining({ code: 'DECLARATION_NOT_APPLICABLE' }),
      );
    }
  });

  it('refuses a manifest declaration when the bundle values could not be read', () => {
    const unread = record('package', 'mac/Odd.pkg', { bundleId: undefined, version: undefined });
    expect(() => manifestDeclaration(unread, 'package', LINK)).toThrow(
      expect.objectContaining({ code: 'BUNDLE_VALUES_REQUIRED' }),
    );
  });
});
