import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildInstallApplicationCommand,
  buildInstallEnterpriseApplicationCommand,
  buildInstallMediaCommand,
} from '../../src/catalog/commands.js';
import { hashFile } from '../../src/catalog/hash.js';
import {
  buildAppManifest,
  buildPackageManifest,
  itmsServicesUrl,
  renderPlist,
} from '../../src/catalog/manifest.js';
import { renderQrPng, renderQrSvg } from '../../src/catalog/qr.js';
import { schemaProblems } from './apple/schema-check.js';

/** Parses XML plist text with Python's plistlib (an independent parser) and returns JSON. */
function pythonParse(xml: string): unknown {
  const out = execFileSync(
    'python3',
    [
      '-c',
      'import plistlib,sys,json,base64\n' +
        'd=plistlib.loads(sys.stdin.buffer.read())\n' +
        'def enc(o):\n' +
        '  if isinstance(o,bytes): return {"$data":base64.b64encode(o).decode()}\n' +
        '  raise TypeError(type(o))\n' +
        'print(json.dumps(d,default=enc))',
    ],
    { input: xml },
  );
  return JSON.parse(out.toString('utf8'));
}

const URL_WITH_TOKEN = 'https://dl.example.com/apps/Field%20Kit.ipa?token=aaa.bbb.ccc&x=1';
const tmp = mkdtempSync(join(tmpdir(), 'portcullis-manifest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('app manifests', () => {
  it('renders an .ipa manifest that plistlib reads back with the keys devices use', () => {
    const m = buildAppManifest({
      url: URL_WITH_TOKEN,
      bundleId: 'com.example.fieldkit',
      bundleVersion: '2.4.1',
      title: 'Field <Kit> & Co',
    });
    const parsed = pythonParse(renderPlist(m));
    expect(schemaProblems('ManifestURL', parsed)).toEqual([]);
    expect(parsed).toEqual({
      items: [
        {
          assets: [{ kind: 'software-package', url: URL_WITH_TOKEN }],
          metadata: {
            'bundle-identifier': 'com.example.fieldkit',
            'bundle-version': '2.4.1',
            kind: 'software',
            title: 'Field <Kit> & Co',
          },
        },
      ],
    });
  });

  it('renders a .pkg manifest with md5s and sha256s of 10 MiB chunks and integer sizes', async () => {
    const file = join(tmp, 'big.pkg');
    const bytes = Buffer.alloc(10 * 1024 * 1024 + 5, 0x5a);
    writeFileSync(file, bytes);
    const { chunks, sha256 } = await hashFile(file, { chunkSize: 10485760 });
    if (!chunks) throw new Error('no chunks');
    const first = bytes.subarray(0, 10485760);
    const rest = bytes.subarray(10485760);
    expect(chunks.md5s).toEqual([
      createHash('md5').update(first).digest('hex'),
      createHash('md5').update(rest).digest('hex'),
    ]);
    expect(chunks.sha256s).toEqual([
      createHash('sha256').update(first).digest('hex'),
      createHash('sha256').update(rest).digest('hex'),
    ]);
    expect(sha256).toBe(createHash('sha256').update(bytes).digest('hex'));

    const m = buildPackageManifest({
      url: URL_WITH_TOKEN,
      bundleId: 'com.example.suite',
      bundleVersion: '5.0',
      title: 'Suite',
      chunks,
    });
    const xml = renderPlist(m);
    expect(xml).toMatch(/<key>md5-size<\/key>\s*<integer>10485760<\/integer>/);
    const parsed = pythonParse(xml) as { items: Array<{ assets: object[]; metadata: object }> };
    expect(schemaProblems('ManifestURL', parsed)).toEqual([]);
    expect(parsed.items[0]?.assets[0]).toEqual({
      kind: 'software-package',
      url: URL_WITH_TOKEN,
      'md5-size': 10485760,
      md5s: chunks.md5s,
      'sha256-size': 10485760,
      sha256s: chunks.sha256s,
    });
    expect(parsed.items[0]?.metadata).toEqual({
      'bundle-identifier': 'com.example.suite',
      'bundle-version': '5.0',
      kind: 'software',
      title: 'Suite',
    });
  });

  it('the schema check itself refuses what Apple removed, unknown keys, wrong types and missing keys', () => {
    // Proves the check can fail: each of these is a real mistake a manifest could carry.
    const base = { kind: 'software-package', url: 'https://x/a.pkg' };
    const meta = { 'bundle-identifier': 'a', kind: 'software', title: 't' };
    const bad = (assets: object, metadata: object) =>
      schemaProblems('ManifestURL', { items: [{ assets: [assets], metadata }] });
    expect(bad(base, { ...meta, items: [] })).toEqual([
      "ManifestURL.items[0].metadata.items: not a key of Apple's schema",
    ]);
    expect(bad({ ...base, 'sha256-size': '10', sha256s: [] }, meta)[0]).toMatch(/expected integer/);
    expect(bad({ ...base, sha256s: ['x'] }, meta)[0]).toMatch(/sha256-size: required when/);
    expect(bad({ kind: 'software-package' }, meta)[0]).toMatch(/url: required/);
    expect(bad(base, { ...meta, kind: 'book' })[0]).toMatch(/not allowed/);
  });

  it('builds the itms-services link with the whole manifest URL percent-encoded', () => {
    const manifest = 'https://dl.example.com/_portcullis/manifest/a b.ipa.plist?token=x.y.z&v=1';
    const link = itmsServicesUrl(manifest);
    expect(link).toBe(
      'itms-services://?action=download-manifest&url=https%3A%2F%2Fdl.example.com%2F_portcullis%2Fmanifest%2Fa%20b.ipa.plist%3Ftoken%3Dx.y.z%26v%3D1',
    );
    expect(new URL(link.replace('itms-services://', 'https://h/')).searchParams.get('url')).toBe(
      manifest,
    );
  });
});

describe('MDM command plists', () => {
  it('InstallApplication carries ManifestURL, ManagementFlags and a CommandUUID', () => {
    const cmd = buildInstallApplicationCommand({ manifestUrl: URL_WITH_TOKEN, managementFlags: 1 });
    const parsed = pythonParse(renderPlist(cmd)) as { Command: object; CommandUUID: string };
    expect(parsed.Command).toEqual({
      RequestType: 'InstallApplication',
      ManifestURL: URL_WITH_TOKEN,
      ManagementFlags: 1,
    });
    expect(parsed.CommandUUID).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('InstallApplication leaves optional keys out unless asked', () => {
    const cmd = buildInstallApplicationCommand({
      manifestUrl: 'https://x/m',
      commandUuid: 'fixed',
    });
    expect(cmd).toEqual({
      Command: { RequestType: 'InstallApplication', ManifestURL: 'https://x/m' },
      CommandUUID: 'fixed',
    });
    expect(() =>
      buildInstallApplicationCommand({ manifestUrl: 'https://x/m', managementFlags: -1 }),
    ).toThrow(TypeError);
  });

  it('InstallEnterpriseApplication embeds the manifest dictionary, or a ManifestURL with pinning options', () => {
    const manifest = buildPackageManifest({
      url: URL_WITH_TOKEN,
      bundleId: 'com.example.agent',
      bundleVersion: '3.1.0',
      title: 'Agent',
      chunks: { chunkSize: 10485760, md5s: ['0'.repeat(32)], sha256s: ['1'.repeat(64)] },
    });
    const inline = pythonParse(
      renderPlist(buildInstallEnterpriseApplicationCommand({ manifest, installAsManaged: true })),
    ) as {
      Command: Record<string, unknown>;
    };
    expect(inline.Command.RequestType).toBe('InstallEnterpriseApplication');
    expect(inline.Command.Manifest).toEqual(JSON.parse(JSON.stringify(manifest)));
    expect(inline.Command.InstallAsManaged).toBe(true);
    expect(inline.Command.ManifestURL).toBeUndefined();

    const byUrl = pythonParse(
      renderPlist(
        buildInstallEnterpriseApplicationCommand({
          manifestUrl: 'https://x/m.plist?token=t',
          pinningRevocationCheckRequired: true,
          manifestUrlPinningCerts: [Buffer.from('cert')],
        }),
      ),
    ) as { Command: Record<string, unknown> };
    expect(schemaProblems('InstallEnterpriseApplication', byUrl.Command)).toEqual([]);
    expect(schemaProblems('InstallEnterpriseApplication', inline.Command)).toEqual([]);
    expect(byUrl.Command).toEqual({
      RequestType: 'InstallEnterpriseApplication',
      ManifestURL: 'https://x/m.plist?token=t',
      PinningRevocationCheckRequired: true,
      ManifestURLPinningCerts: [{ $data: Buffer.from('cert').toString('base64') }],
    });
  });

  it('InstallMedia describes a book with MediaType Book, MediaURL, PersistentID and Kind', () => {
    const cmd = buildInstallMediaCommand({
      mediaUrl: 'https://dl.example.com/books/guide.pdf?token=t',
      persistentId: 'com.example.books.guide',
      kind: 'pdf',
      title: 'Guide',
      author: 'Ops',
      version: '1',
    });
    expect((pythonParse(renderPlist(cmd)) as { Command: object }).Command).toEqual({
      RequestType: 'InstallMedia',
      MediaType: 'Book',
      MediaURL: 'https://dl.example.com/books/guide.pdf?token=t',
      PersistentID: 'com.example.books.guide',
      Kind: 'pdf',
      Title: 'Guide',
      Author: 'Ops',
      Version: '1',
    });
  });
});

describe('characters XML 1.0 forbids (issue 10 §9)', () => {
  it('renders manifests and command plists that an independent parser reads, forbidden characters replaced', () => {
    const bad = 'A\uFFFEB\uFFFFC\u0000D\u0008E\uDC00F';
    const manifest = buildAppManifest({
      url: 'https://dp.example.com/a.ipa?token=t',
      bundleId: `com.example.${bad}`,
      bundleVersion: bad,
      title: bad,
    });
    const parsed = pythonParse(renderPlist(manifest)) as {
      items: Array<{ metadata: { title: string; 'bundle-identifier': string } }>;
    };
    const clean = 'A\uFFFDB\uFFFDC\uFFFDD\uFFFDE\uFFFDF';
    expect(parsed.items[0]!.metadata.title).toBe(clean);
    expect(parsed.items[0]!.metadata['bundle-identifier']).toBe(`com.example.${clean}`);
    const command = buildInstallApplicationCommand({ manifestUrl: `https://x/${bad}` });
    expect(() => pythonParse(renderPlist(command))).not.toThrow();
    // Allowed characters, astral ones included, pass unchanged.
    const fine = 'tab\tline\ncr\r \u00e9 \u{1F600} \uFFFD';
    expect((pythonParse(renderPlist({ s: fine })) as { s: string }).s.replace(/\r\n?/g, '\n')).toBe(
      fine.replace(/\r\n?/g, '\n'),
    );
  });
});

describe('QR codes', () => {
  it('renders a PNG and an SVG of the link', async () => {
    const png = await renderQrPng('itms-services://?action=download-manifest&url=https%3A%2F%2Fx');
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const svg = await renderQrSvg('itms-services://?action=download-manifest&url=https%3A%2F%2Fx');
    expect(svg).toMatch(/^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('<path');
  });
});
