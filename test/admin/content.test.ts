/**
 * Catalog API through inject(): uploads (raw PUT and multipart), preconditions, hostile paths,
 * roles, install helpers, command plists (parsed back by Python's plistlib), delete and rescan.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixtures, makeFixtures } from '../catalog/fixtures.js';
import {
  type AdminFixture,
  addAccount,
  adminFixture,
  bearer,
  login,
  problemOf,
} from './helpers.js';

let fx: AdminFixture;
let files: Fixtures;
let admin: Record<string, string>;
let reader: Record<string, string>;
let configId: string;
let root: string;
const C = '/api/v1/content';

function pythonParse(xml: string): Record<string, unknown> {
  const out = execFileSync(
    'python3',
    ['-c', 'import plistlib,sys,json;print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))'],
    {
      input: xml,
    },
  );
  return JSON.parse(out.toString('utf8'));
}

async function put(path: string, body: Buffer | string, headers: Record<string, string> = {}) {
  return fx.app.inject({
    method: 'PUT',
    url: `${C}/${path}`,
    headers: { ...admin, 'content-type': 'application/octet-stream', ...headers },
    payload: body,
  });
}

beforeAll(async () => {
  files = makeFixtures({ basic: true });
  fx = await adminFixture();
  await fx.store.settings.set('catalog.maxUploadBytes', String(1024 * 1024));
  root = join(fx.dir, 'content');
  await addAccount(fx.store, 'alice', 'admin');
  await addAccount(fx.store, 'rita', 'read-only');
  admin = bearer(await login(fx.app, 'alice'));
  reader = bearer(await login(fx.app, 'rita'));
  const res = await fx.app.inject({
    method: 'POST',
    url: '/api/v1/jwt-configurations',
    headers: admin,
    payload: { displayName: 'Jamf' },
  });
  expect(res.statusCode).toBe(201);
  configId = res.json().id;
}, 60_000);
afterAll(async () => {
  await fx?.close();
  files?.cleanup();
});

describe('uploading', () => {
  it('PUT stores the bytes, reads the metadata and records the change', async () => {
    const bytes = readFileSync(files.path('app-binary.ipa'));
    const res = await put('apps/Field%20Kit.ipa', bytes);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      path: 'apps/Field Kit.ipa',
      kind: 'app',
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bundleId: 'com.example.fieldkit',
      version: '2.4.1',
      title: 'Field Kit',
      revision: 1,
      uploadedBy: 'alice',
      warnings: [],
    });
    expect(res.headers.etag).toBe(`"${body.sha256}"`);
    expect(readFileSync(join(root, 'apps', 'Field Kit.ipa')).equals(bytes)).toBe(true);
    const changes = await fx.store.changes.query({ action: 'content.upload' });
    expect(changes.items.map((c) => c.targetId)).toContain('apps/Field Kit.ipa');
  });

  it('honours If-None-Match: * and If-Match, and bumps the revision on replace', async () => {
    expect(
      problemOf(await put('apps/Field%20Kit.ipa', 'x', { 'if-none-match': '*' })),
    ).toMatchObject({ status: 412, code: 'CONTENT_EXISTS' });
    expect(
      problemOf(await put('apps/Field%20Kit.ipa', 'x', { 'if-match': '"deadbeef"' })),
    ).toMatchObject({ status: 412, code: 'PRECONDITION_FAILED' });
    const current = (
      await fx.app.inject({ method: 'GET', url: `${C}/apps/Field%20Kit.ipa`, headers: reader })
    ).headers.etag as string;
    const bytes = readFileSync(files.path('app-xml.ipa'));
    const res = await put('apps/Field%20Kit.ipa', bytes, { 'if-match': current });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ revision: 2, title: 'FieldKit' });
    expect(res.json().warnings.map((w: { code: string }) => w.code)).toEqual([
      'PROFILE_EXPIRES_SOON',
    ]);
  });

  it.each([
    ['..%2F..%2Fetc%2Fpasswd', 'encoded slash'],
    ['.hidden.ipa', 'dotfile'],
    ['.portcullis-tmp/x.part', 'the temp dir'],
    ['a%00b.ipa', 'NUL'],
    ['a%5Cb.ipa', 'backslash'],
    ['a%252e%252e/b', 'double encoding'],
    [`${'x'.repeat(300)}.ipa`, 'an over-long name'],
  ])('refuses %s (%s) before writing anything', async (path) => {
    const res = await put(path, 'hostile');
    expect(problemOf(res)).toMatchObject({ status: 400, code: 'PATH_INVALID' });
    expect(readdirSync(join(root, '.portcullis-tmp')).length).toBe(0);
  });

  it('stores names in NFC so they match what serve is asked for', async () => {
    const nfd = encodeURIComponent('Cafe\u0301.pdf');
    const res = await put(nfd, readFileSync(files.path('guide.pdf')));
    expect(res.statusCode).toBe(201);
    expect(res.json().path).toBe('Caf\u00e9.pdf');
    expect(existsSync(join(root, 'Caf\u00e9.pdf'))).toBe(true);
  });

  it('refuses an upload over maxUploadBytes and leaves no file or temp file', async () => {
    const res = await put('big.bin', Buffer.alloc(1024 * 1024 + 1));
    expect(problemOf(res)).toMatchObject({ status: 413, code: 'UPLOAD_TOO_LARGE' });
    expect(existsSync(join(root, 'big.bin'))).toBe(false);
    expect(readdirSync(join(root, '.portcullis-tmp'))).toEqual([]);
  });

  it('refuses an oversized multipart upload with the same code', async () => {
    const boundary = '----big';
    const payload = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n`,
      ),
      Buffer.alloc(1024 * 1024 + 10),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await fx.app.inject({
      method: 'POST',
      url: C,
      headers: { ...admin, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    expect(problemOf(res)).toMatchObject({ status: 413, code: 'UPLOAD_TOO_LARGE' });
    expect(existsSync(join(root, 'big.bin'))).toBe(false);
    expect(readdirSync(join(root, '.portcullis-tmp'))).toEqual([]);
  });

  it('accepts multipart uploads with a path field', async () => {
    const boundary = '----portcullis';
    const pkg = readFileSync(files.path('product.pkg'));
    const payload = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="path"\r\n\r\nmac/Suite.pkg\r\n`,
      ),
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.pkg"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      pkg,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await fx.app.inject({
      method: 'POST',
      url: C,
      headers: { ...admin, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      path: 'mac/Suite.pkg',
      kind: 'package',
      bundleId: 'com.example.suite',
      version: '5.0',
    });
  });

  it('lets read-only accounts read but not write', async () => {
    expect((await fx.app.inject({ method: 'GET', url: C, headers: reader })).statusCode).toBe(200);
    const res = await fx.app.inject({
      method: 'PUT',
      url: `${C}/r.pdf`,
      headers: { ...reader, 'content-type': 'application/pdf' },
      payload: 'x',
    });
    expect(problemOf(res)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(existsSync(join(root, 'r.pdf'))).toBe(false);
    expect((await fx.app.inject({ method: 'GET', url: C })).statusCode).toBe(401);
  });
});

describe('listing and install helpers', () => {
  it('lists records with flattened metadata and no chunk hash lists', async () => {
    const items = (await fx.app.inject({ method: 'GET', url: C, headers: reader })).json()
      .items as Array<Record<string, unknown>>;
    const paths = items.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['apps/Field Kit.ipa', 'mac/Suite.pkg', 'Café.pdf']),
    );
    const pkg = items.find((i) => i.path === 'mac/Suite.pkg');
    expect(pkg).toMatchObject({
      kind: 'package',
      title: 'Example Suite',
      packages: expect.any(Array),
    });
    expect(JSON.stringify(items)).not.toContain('sha256s');
  });

  it('refuses every install helper to read-only accounts: they carry download tokens', async () => {
    for (const tail of [
      'install',
      'manifest.plist',
      'qr.png',
      'qr.svg',
      'commands/InstallApplication.plist',
    ]) {
      const res = await fx.app.inject({
        method: 'GET',
        url: `${C}/apps/Field%20Kit.ipa/${tail}?config=${configId}`,
        headers: reader,
      });
      expect(problemOf(res), tail).toMatchObject({ status: 403, code: 'SIGNING_FORBIDDEN' });
    }
    // The record itself stays readable.
    const detail = await fx.app.inject({
      method: 'GET',
      url: `${C}/apps/Field%20Kit.ipa`,
      headers: reader,
    });
    expect(detail.statusCode).toBe(200);
  });

  it('needs a configuration for install links', async () => {
    const res = await fx.app.inject({
      method: 'GET',
      url: `${C}/apps/Field%20Kit.ipa/install`,
      headers: admin,
    });
    expect(problemOf(res)).toMatchObject({ status: 400, code: 'CONFIGURATION_REQUIRED' });
  });

  it('returns tokenised download and manifest URLs built from the public URL, never the Host header', async () => {
    const res = await fx.app.inject({
      method: 'GET',
      url: `${C}/apps/Field%20Kit.ipa/install?config=${configId}`,
      headers: { ...admin, host: 'evil.example' },
    });
    expect(res.statusCode).toBe(200);
    const links = res.json();
    expect(links.downloadUrl).toMatch(
      /^https:\/\/dist\.example\.test\/apps\/Field%20Kit\.ipa\?token=[\w-]+\.[\w-]+\.[\w-]+$/,
    );
    expect(links.manifestUrl).toMatch(
      /^https:\/\/dist\.example\.test\/_portcullis\/manifest\/apps\/Field%20Kit\.ipa\.plist\?token=/,
    );
    expect(links.itmsServicesUrl).toBe(
      `itms-services://?action=download-manifest&url=${encodeURIComponent(links.manifestUrl)}`,
    );
    expect(links.commands).toEqual({
      InstallApplication: `${C}/apps/Field%20Kit.ipa/commands/InstallApplication.plist?config=${configId}`,
    });
    expect(JSON.stringify(links)).not.toContain('evil.example');
  });

  it('serves an InstallApplication plist for an app and refuses commands that do not fit', async () => {
    const res = await fx.app.inject({
      method: 'GET',
      url: `${C}/apps/Field%20Kit.ipa/commands/InstallApplication.plist?config=${configId}&managementFlags=1`,
      headers: admin,
    });
    expect(res.statusCode).toBe(200);
    const cmd = pythonParse(res.body) as { Command: Record<string, unknown>; CommandUUID: string };
    expect(cmd.Command).toMatchObject({ RequestType: 'InstallApplication', ManagementFlags: 1 });
    expect(String(cmd.Command.ManifestURL)).toMatch(
      /^https:\/\/dist\.example\.test\/_portcullis\/manifest\//,
    );
    const wrong = await fx.app.inject({
      method: 'GET',
      url: `${C}/apps/Field%20Kit.ipa/commands/InstallMedia.plist?config=${configId}`,
      headers: admin,
    });
    expect(problemOf(wrong)).toMatchObject({ status: 409, code: 'COMMAND_NOT_APPLICABLE' });
    const unknown = await fx.app.inject({
      method: 'GET',
      url: `${C}/apps/Field%20Kit.ipa/commands/EraseDevice.plist?config=${configId}`,
      headers: admin,
    });
    expect(problemOf(unknown)).toMatchObject({ status: 404, code: 'COMMAND_UNKNOWN' });
  });

  it('embeds the package manifest with chunk hashes in InstallEnterpriseApplication', async () => {
    const res = await fx.app.inject({
      method: 'GET',
      url: `${C}/mac/Suite.pkg/commands/InstallEnterpriseApplication.plist?config=${configId}`,
      headers: admin,
    });
    expect(res.statusCode).toBe(200);
    const cmd = pythonParse(res.body) as {
      Command: {
        Manifest: {
          items: Array<{
            assets: Array<Record<string, unknown>>;
            metadata: Record<string, unknown>;
          }>;
        };
      };
    };
    const item = cmd.Command.Manifest.items[0];
    const sha = createHash('sha256')
      .update(readFileSync(files.path('product.pkg')))
      .digest('hex');
    expect(item?.assets[0]).toMatchObject({
      kind: 'software-package',
      'sha256-size': 10485760,
      sha256s: [sha],
      'md5-size': 10485760,
    });
    // Apple's manifesturl.yaml marks metadata.items removed: one item, the top-level identifier.
    expect(item?.metadata).toEqual({
      'bundle-identifier': 'com.example.suite',
      'bundle-version': expect.any(String),
      kind: 'software',
      title: expect.any(String),
    });
  });

  it('serves InstallMedia for a book, a manifest for an app, and QR codes', async () => {
    const media = await fx.app.inject({
      method: 'GET',
      url: `${C}/Caf%C3%A9.pdf/commands/InstallMedia.plist?config=${configId}`,
      headers: admin,
    });
    expect(pythonParse(media.body).Command).toMatchObject({
      RequestType: 'InstallMedia',
      MediaType: 'Book',
      Kind: 'pdf',
      Title: 'Field Guide (2nd ed.)',
    });
    const manifest = await fx.app.inject({
      method: 'GET',
      url: `${C}/apps/Field%20Kit.ipa/manifest.plist?config=${configId}`,
      headers: admin,
    });
    expect(pythonParse(manifest.body)).toMatchObject({
      items: [{ metadata: { 'bundle-identifier': 'com.example.fieldkit', kind: 'software' } }],
    });
    const png = await fx.app.inject({
      method: 'GET',
      url: `${C}/apps/Field%20Kit.ipa/qr.png?config=${configId}`,
      headers: admin,
    });
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.rawPayload.subarray(1, 4).toString()).toBe('PNG');
    const svg = await fx.app.inject({
      method: 'GET',
      url: `${C}/apps/Field%20Kit.ipa/qr.svg?config=${configId}`,
      headers: admin,
    });
    expect(svg.body).toContain('<svg');
  });

  it('answers an unknown path or configuration with a code', async () => {
    expect(
      problemOf(await fx.app.inject({ method: 'GET', url: `${C}/nope.ipa`, headers: reader })),
    ).toMatchObject({ status: 404, code: 'CONTENT_NOT_FOUND' });
    const res = await fx.app.inject({
      method: 'GET',
      url: `${C}/apps/Field%20Kit.ipa/install?config=00000000-0000-0000-0000-000000000000`,
      headers: admin,
    });
    expect(res.statusCode).toBe(404);
  });
});

describe('delete and rescan', () => {
  it('deletes a file and its record, then 404s', async () => {
    const res = await fx.app.inject({
      method: 'DELETE',
      url: `${C}/Caf%C3%A9.pdf`,
      headers: admin,
    });
    expect(res.statusCode).toBe(204);
    expect(existsSync(join(root, 'Café.pdf'))).toBe(false);
    expect(
      problemOf(
        await fx.app.inject({ method: 'DELETE', url: `${C}/Caf%C3%A9.pdf`, headers: admin }),
      ),
    ).toMatchObject({ status: 404, code: 'CONTENT_NOT_FOUND' });
  });

  it('picks up files dropped into the root and forgets removed ones, ignoring dot entries', async () => {
    writeFileSync(join(root, 'dropped.epub'), readFileSync(files.path('book.epub')));
    writeFileSync(join(root, '.DS_Store'), 'junk');
    const res = await fx.app.inject({ method: 'POST', url: `${C}/rescan`, headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ added: ['dropped.epub'], removed: [] });
    const book = (
      await fx.app.inject({ method: 'GET', url: `${C}/dropped.epub`, headers: reader })
    ).json();
    expect(book).toMatchObject({
      kind: 'book',
      title: 'Safety & Procedures — Édition 2',
      author: 'Ops Team',
    });
    const { rmSync } = await import('node:fs');
    rmSync(join(root, 'dropped.epub'));
    const again = await fx.app.inject({ method: 'POST', url: `${C}/rescan`, headers: admin });
    expect(again.json()).toMatchObject({ added: [], removed: ['dropped.epub'] });
  });

  it('refuses rescans by read-only accounts', async () => {
    expect(
      problemOf(await fx.app.inject({ method: 'POST', url: `${C}/rescan`, headers: reader })),
    ).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });
});
