/**
 * Declaration export (POST /api/v1/declarations) through inject(): every exported declaration
 * conforms to the keys derived from Apple's schemas; the ManifestURL is always a manifest link
 * (never a JWT); exporting with `linkId` mints nothing and repeats the same ServerToken; a
 * `newLink` export says it created a credential; refusals are coded, leak no other item's link
 * and create nothing; the change log holds fingerprints, never a token.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declarationProblems, schemaProblems } from '../catalog/apple/schema-check.js';
import { type Fixtures, makeFixtures } from '../catalog/fixtures.js';
import { type AdminFixture, adminFixture, problemOf } from './helpers.js';
import { type Callers, makeCallers } from './roles.js';

let fx: AdminFixture;
let files: Fixtures;
let callers: Callers;
let configId = '';
const URL_BASE = 'https://dist.example.test/_portcullis/manifest/';

async function put(path: string, file: string, type = 'application/octet-stream') {
  const res = await fx.app.inject({
    method: 'PUT',
    url: `/api/v1/content/${path}`,
    headers: { ...callers.headers.admin, 'content-type': type },
    payload: readFileSync(files.path(file)),
  });
  expect(res.statusCode).toBe(201);
}

const exportDecl = (payload: unknown, caller: keyof Callers['headers'] = 'admin') =>
  fx.app.inject({
    method: 'POST',
    url: '/api/v1/declarations',
    headers: callers.headers[caller],
    payload: payload as object,
  });

const links = async (path: string) => await fx.store.manifestLinks.list({ contentPath: path });
const changes = async () => (await fx.store.changes.query({ limit: 1000 })).items;
const newLink = () => ({ configurationId: configId, label: 'DDM: Macs' });

beforeAll(async () => {
  files = makeFixtures({ basic: true });
  fx = await adminFixture();
  callers = await makeCallers(fx);
  const res = await fx.app.inject({
    method: 'POST',
    url: '/api/v1/jwt-configurations',
    headers: callers.headers.admin,
    payload: { displayName: 'Jamf' },
  });
  configId = res.json().id;
  await put('mac/Suite.pkg', 'product.pkg');
  await put('ios/Field Kit.ipa', 'app-binary.ipa');
  await put('books/guide.pdf', 'guide.pdf', 'application/pdf');
}, 60_000);

afterAll(async () => {
  await fx?.close();
  files?.cleanup();
});

describe('exporting a package declaration', () => {
  let linkId = '';
  let first: { ManifestURL: string; ServerToken: string } = { ManifestURL: '', ServerToken: '' };

  it('with newLink: 201, says the link was created, ManifestURL is that link', async () => {
    const res = await exportDecl({ path: 'mac/Suite.pkg', type: 'package', newLink: newLink() });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(declarationProblems(body.declaration)).toEqual([]);
    expect(body.declaration.Type).toBe('com.apple.configuration.package');
    expect(body.link).toMatchObject({ created: true, label: 'DDM: Macs' });
    const url = new URL(body.declaration.Payload.ManifestURL);
    expect(`${url.origin}${url.pathname}`).toBe(`${URL_BASE}mac/Suite.pkg.plist`);
    // A manifest link, never a short-lived JWT download token.
    expect(url.searchParams.get('token')).toMatch(/^pml_/);
    const stored = await links('mac/Suite.pkg');
    expect(stored.map((l) => l.id)).toEqual([body.link.id]);
    linkId = body.link.id;
    first = {
      ManifestURL: body.declaration.Payload.ManifestURL,
      ServerToken: body.declaration.ServerToken,
    };
  });

  it('with linkId: 200, created false, the same ManifestURL and ServerToken, no new link', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await exportDecl({ path: 'mac/Suite.pkg', type: 'package', linkId });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.link).toMatchObject({ id: linkId, created: false });
      expect(body.declaration.Payload.ManifestURL).toBe(first.ManifestURL);
      expect(body.declaration.ServerToken).toBe(first.ServerToken);
    }
    expect(await links('mac/Suite.pkg')).toHaveLength(1);
  });

  it('a changed install behaviour or identifier changes the ServerToken; the schema still holds', async () => {
    const res = await exportDecl({
      path: 'mac/Suite.pkg',
      type: 'package',
      linkId,
      install: 'Required',
      identifier: 'com.example.ddm.suite',
    });
    const d = res.json().declaration;
    expect(declarationProblems(d)).toEqual([]);
    expect(d.Payload.InstallBehavior).toEqual({ Install: 'Required' });
    expect(d.Identifier).toBe('com.example.ddm.suite');
    expect(d.ServerToken).not.toBe(first.ServerToken);
  });

  it('records each export with the link fingerprint and never a token', async () => {
    const log = await changes();
    const exports = log.filter((c) => c.action === 'declaration.export');
    expect(exports.length).toBeGreaterThanOrEqual(4);
    expect(exports[0]?.details).toMatchObject({ linkId, fingerprint: expect.any(String) });
    expect(log.filter((c) => c.action === 'manifest-link.create')).toHaveLength(1);
    // Each linkId export showed the link's URL again: recorded like POST …/url.
    const reveals = log.filter((c) => c.action === 'manifest-link.reveal');
    expect(reveals.length).toBe(exports.length - 1);
    expect(reveals.every((c) => c.targetId === linkId)).toBe(true);
    expect(JSON.stringify(log)).not.toMatch(/pml_/);
  });

  it('a revoked link cannot be exported again: the same 404 as a link that never existed', async () => {
    const revoke = await fx.app.inject({
      method: 'DELETE',
      url: `/api/v1/manifest-links/${linkId}`,
      headers: callers.headers.admin,
    });
    expect(revoke.statusCode).toBe(200);
    const revoked = await exportDecl({ path: 'mac/Suite.pkg', type: 'package', linkId });
    const missing = await exportDecl({
      path: 'mac/Suite.pkg',
      type: 'package',
      linkId: '00000000-0000-4000-8000-000000000000',
    });
    expect(problemOf(revoked)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(revoked.body).toBe(missing.body);
  });
});

describe('exporting app and asset declarations', () => {
  it('app.managed for an .ipa with install, update and backup keys', async () => {
    const res = await exportDecl({
      path: 'ios/Field Kit.ipa',
      type: 'app.managed',
      newLink: { ...newLink(), expiresInDays: 30 },
      install: 'Required',
      automaticAppUpdates: 'AlwaysOn',
      includeInBackup: false,
    });
    expect(res.statusCode).toBe(201);
    const d = res.json().declaration;
    expect(declarationProblems(d)).toEqual([]);
    expect(d.Payload).toMatchObject({
      InstallBehavior: { Install: 'Required' },
      UpdateBehavior: { AutomaticAppUpdates: 'AlwaysOn' },
      IncludeInBackup: false,
    });
    expect(d.Payload.ManifestURL).toMatch(/\/ios\/Field%20Kit\.ipa\.plist\?token=pml_/);
  });

  it('asset.data for a book: the plain file URL, MDM authentication, no link, a warning', async () => {
    const res = await exportDecl({ path: 'books/guide.pdf', type: 'asset.data' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(schemaProblems('com.apple.asset.data', body.declaration.Payload)).toEqual([]);
    expect(body.declaration.Payload.Reference.DataURL).toBe(
      'https://dist.example.test/books/guide.pdf',
    );
    expect(body.declaration.Payload.Reference.ContentType).toBe('application/pdf');
    expect(body.declaration.Payload.Authentication).toEqual({ Type: 'MDM' });
    expect(body.link).toBeNull();
    expect(body.warnings.map((w: { code: string }) => w.code)).toEqual([
      'ASSET_DATA_DEVICE_IDENTITY',
    ]);
    expect(res.body).not.toMatch(/token=/);
  });
});

describe('refusals', () => {
  it('read-only and anonymous callers get nothing, and no link is made', async () => {
    const before = (await links('mac/Suite.pkg')).length;
    for (const caller of ['read-only', 'external read-only'] as const) {
      const res = await exportDecl(
        { path: 'mac/Suite.pkg', type: 'package', newLink: newLink() },
        caller,
      );
      expect(problemOf(res)).toMatchObject({ status: 403, code: 'SIGNING_FORBIDDEN' });
    }
    expect(problemOf(await exportDecl({}, 'anonymous')).status).toBe(401);
    expect(await links('mac/Suite.pkg')).toHaveLength(before);
  });

  it('a declaration that does not fit the item is refused before a link is made', async () => {
    const before = (await links('ios/Field Kit.ipa')).length;
    const res = await exportDecl({
      path: 'ios/Field Kit.ipa',
      type: 'package',
      newLink: newLink(),
    });
    expect(problemOf(res)).toMatchObject({ status: 409, code: 'DECLARATION_NOT_APPLICABLE' });
    const book = await exportDecl({
      path: 'books/guide.pdf',
      type: 'app.managed',
      newLink: newLink(),
    });
    expect(problemOf(book).code).toBe('DECLARATION_NOT_APPLICABLE');
    expect(await links('ios/Field Kit.ipa')).toHaveLength(before);
    expect(await links('books/guide.pdf')).toHaveLength(0);
  });

  it("another item's link is refused exactly like a missing one; a missing item is 404", async () => {
    const other = await exportDecl({
      path: 'ios/Field Kit.ipa',
      type: 'app.managed',
      newLink: newLink(),
    });
    const otherId = other.json().link.id;
    const pkgWithIpaLink = await exportDecl({
      path: 'mac/Suite.pkg',
      type: 'package',
      linkId: otherId,
    });
    const none = await exportDecl({
      path: 'mac/Suite.pkg',
      type: 'package',
      linkId: '00000000-0000-4000-8000-000000000001',
    });
    expect(problemOf(pkgWithIpaLink)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(pkgWithIpaLink.body).toBe(none.body);
    const gone = await exportDecl({ path: 'mac/Nope.pkg', type: 'package', newLink: newLink() });
    expect(problemOf(gone)).toMatchObject({ status: 404, code: 'CONTENT_NOT_FOUND' });
  });

  it('hostile and contradictory bodies are 400 with the field named', async () => {
    const bad: Array<[object, string]> = [
      [{ path: 'mac/Suite.pkg', type: 'package' }, 'linkId'],
      [
        {
          path: 'mac/Suite.pkg',
          type: 'package',
          linkId: '00000000-0000-4000-8000-000000000001',
          newLink: newLink(),
        },
        'linkId',
      ],
      [{ path: 'books/guide.pdf', type: 'asset.data', newLink: newLink() }, 'newLink'],
      [
        { path: 'mac/Suite.pkg', type: 'package', newLink: newLink(), includeInBackup: true },
        'includeInBackup',
      ],
      [{ path: 'books/guide.pdf', type: 'asset.data', install: 'Required' }, 'install'],
      [{ path: 'mac/Suite.pkg', type: 'package', linkId: "1' OR 1=1 --" }, 'linkId'],
      [
        { path: 'mac/Suite.pkg', type: 'package', newLink: newLink(), identifier: '../x' },
        'identifier',
      ],
      [
        { path: 'mac/Suite.pkg', type: 'com.apple.configuration.package', newLink: newLink() },
        'type',
      ],
      [
        { path: 'mac/Suite.pkg', type: 'package', newLink: newLink(), install: 'Always' },
        'install',
      ],
      [{ path: 'x'.repeat(5000), type: 'asset.data' }, 'path'],
      [{ path: 'mac/Suite.pkg', type: 'asset.data', Payload: {} }, 'Payload'],
      // newLink cannot name another item: the link is always for `path`.
      [
        {
          path: 'mac/Suite.pkg',
          type: 'package',
          newLink: { ...newLink(), path: 'ios/Field Kit.ipa' },
        },
        'newLink.path',
      ],
    ];
    const before = (await links('mac/Suite.pkg')).length;
    for (const [payload, field] of bad) {
      const res = await exportDecl(payload);
      expect(res.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
      const errs = (res.json().errors as Array<{ field: string }>).map((e) => e.field);
      expect(errs).toContain(field);
    }
    expect(await links('mac/Suite.pkg')).toHaveLength(before);
  });
});
