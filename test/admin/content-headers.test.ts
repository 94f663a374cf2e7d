/**
 * Issue 10 §8 and §9 at the content listener as `serve --data` builds it: every response (file
 * 200/206/304/4xx, refusals, JWKS, the device manifest route) carries the sandboxing CSP and
 * nosniff, types a browser would run are sent as attachments, and stored metadata with
 * characters XML 1.0 forbids never makes a manifest route answer 500.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwksExtension } from '../../src/admin/jwks-extension.js';
import { contentManifestExtension } from '../../src/admin/routes/content-device.js';
import { type RunningServer, startServer } from '../../src/app/serve.js';
import { CONTENT_SECURITY_POLICY } from '../../src/http/plan.js';
import { storeKeySource } from '../../src/store/key-source.js';
import { signToken } from '../../src/token/sign.js';
import { type AdminFixture, addAccount, adminFixture, bearer, login } from './helpers.js';

let fx: AdminFixture;
let server: RunningServer;
let token: string;
let admin: Record<string, string>;
let configurationId: string;
const jamfKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const XHTML = `<?xml version="1.0"?>
<html xmlns="http://www.w3.org/1999/xhtml"><body><script>document.title = 'ran'</script></body></html>
`;
/** Each of these is forbidden by XML 1.0 and once made the manifest routes answer 500. */
const FORBIDDEN = '\uFFFE\uFFFF\u0000\u0001\u001b\uD800';

/** The characters of FORBIDDEN found in a text (lone surrogates cannot survive UTF-8 anyway). */
const forbiddenIn = (text: string) => [...FORBIDDEN].filter((c) => text.includes(c));

function expectSandboxed(res: Response): void {
  expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
}

beforeAll(async () => {
  fx = await adminFixture();
  const root = join(fx.dir, 'content');
  mkdirSync(join(root, 'apps'), { recursive: true });
  writeFileSync(join(root, 'evil.plist'), XHTML);
  writeFileSync(join(root, 'page.xhtml'), XHTML);
  writeFileSync(join(root, 'apps', 'App.ipa'), Buffer.alloc(4096, 7));
  await addAccount(fx.store, 'alice', 'admin');
  admin = bearer(await login(fx.app, 'alice'));
  const cfg = await fx.app.inject({
    method: 'POST',
    url: '/api/v1/jwt-configurations',
    headers: admin,
    payload: {
      displayName: 'Jamf',
      key: { pem: jamfKey.export({ type: 'pkcs1', format: 'pem' }) },
    },
  });
  configurationId = cfg.json().id;
  // A Jamf-shaped token (no path claim): valid for every file, like one Jamf Pro mints.
  token = signToken(jamfKey, { expiresIn: '15m' });
  // Let the start-up rescan finish first (the first call joins it, the second sees every file):
  // else it may re-read the (non-zip) App.ipa after the seed below and overwrite its metadata.
  for (let i = 0; i < 2; i++) {
    await fx.app.inject({ method: 'POST', url: '/api/v1/content/rescan', headers: admin });
  }
  await fx.store.content.upsert({
    path: 'apps/App.ipa',
    size: 4096,
    sha256: '0'.repeat(64),
    kind: 'app',
    metadata: {
      bundleId: `com.example.${FORBIDDEN}`,
      version: `1.0${FORBIDDEN}`,
      title: `App${FORBIDDEN}`,
    },
    // The file's own mtime: a rescan then sees the record as current and keeps this metadata.
    mtimeMs: Math.floor(statSync(join(root, 'apps', 'App.ipa')).mtimeMs),
    uploadedBy: null,
  });
  server = await startServer({
    root,
    keySource: storeKeySource(fx.store),
    contentExtensions: [jwksExtension(fx.store), contentManifestExtension({ store: fx.store })],
    host: '127.0.0.1',
    port: 0,
    admin: false,
    workers: 1,
    logLevel: 'silent',
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await fx?.close();
});

describe('content responses cannot run script (issue 10 §8)', () => {
  it('sends an uploaded XHTML .plist as an attachment under a sandboxing CSP', async () => {
    const res = await fetch(`${server.url}/evil.plist?token=${token}`);
    expect(res.status).toBe(200);
    expectSandboxed(res);
    expect(res.headers.get('content-disposition')).toBe('attachment');
    // Devices still get an XML type for a manifest kept in the content directory.
    expect(res.headers.get('content-type')).toBe('application/xml');
    // The cached second answer (headers built once per file) is the same.
    const again = await fetch(`${server.url}/evil.plist?token=${token}`);
    expectSandboxed(again);
    expect(again.headers.get('content-disposition')).toBe('attachment');
  });

  it('keeps packages as they were, and never lets an unknown type be rendered', async () => {
    const ipa = await fetch(`${server.url}/apps/App.ipa?token=${token}`);
    expect(ipa.status).toBe(200);
    expectSandboxed(ipa);
    expect(ipa.headers.get('content-type')).toBe('application/octet-stream');
    expect(ipa.headers.get('content-disposition')).toBeNull();
    const xhtml = await fetch(`${server.url}/page.xhtml?token=${token}`);
    expect(xhtml.headers.get('content-type')).toBe('application/octet-stream');
    expectSandboxed(xhtml);
  });

  it('puts the headers on 206, 304, 412, 416, HEAD and every refusal', async () => {
    const url = `${server.url}/evil.plist?token=${token}`;
    const first = await fetch(url);
    const etag = first.headers.get('etag')!;
    const cases: Array<[RequestInit & { url?: string }, number]> = [
      [{ headers: { range: 'bytes=0-3' } }, 206],
      [{ headers: { 'if-none-match': etag } }, 304],
      [{ headers: { 'if-match': '"other"' } }, 412],
      [{ headers: { range: 'bytes=99999-' } }, 416],
      [{ method: 'HEAD' }, 200],
      [{ url: `${server.url}/evil.plist` }, 401],
      [{ url: `${server.url}/missing.plist?token=${token}` }, 404],
      [{ url: `${server.url}/evil.plist?token=${token}`, method: 'DELETE' }, 405],
      [{ url: `${server.url}/_portcullis/healthz` }, 200],
    ];
    for (const [init, status] of cases) {
      const res = await fetch(init.url ?? url, init);
      expect(res.status, JSON.stringify(init)).toBe(status);
      expectSandboxed(res);
      if (status === 206) expect(res.headers.get('content-disposition')).toBe('attachment');
    }
  });

  it('sandboxes the JWKS document and its 304', async () => {
    const res = await fetch(`${server.url}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expectSandboxed(res);
    const cached = await fetch(`${server.url}/.well-known/jwks.json`, {
      headers: { 'if-none-match': res.headers.get('etag')! },
    });
    expect(cached.status).toBe(304);
    expectSandboxed(cached);
  });

  it('sandboxes the device manifest route, its refusals included', async () => {
    const ok = await fetch(`${server.url}/_portcullis/manifest/apps/App.ipa.plist?token=${token}`);
    expect(ok.status).toBe(200);
    expectSandboxed(ok);
    expect(ok.headers.get('content-type')).toMatch(/^application\/xml/);
    const refused = await fetch(`${server.url}/_portcullis/manifest/apps/App.ipa.plist`);
    expect(refused.status).toBe(401);
    expectSandboxed(refused);
  });
});

describe('metadata XML 1.0 forbids (issue 10 §9)', () => {
  it('the device manifest route answers a well-formed manifest, forbidden characters replaced', async () => {
    const res = await fetch(`${server.url}/_portcullis/manifest/apps/App.ipa.plist?token=${token}`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain(`<string>App${'\uFFFD'.repeat(6)}</string>`);
    expect(forbiddenIn(body)).toEqual([]);
  });

  it('the admin manifest and command routes answer 200 with the same replacement', async () => {
    for (const suffix of ['manifest.plist', 'commands/InstallApplication.plist']) {
      const res = await fx.app.inject({
        method: 'GET',
        url: `/api/v1/content/apps/App.ipa/${suffix}?config=${configurationId}`,
        headers: admin,
      });
      expect(res.statusCode, suffix).toBe(200);
      expect(forbiddenIn(res.body)).toEqual([]);
      if (suffix === 'manifest.plist') expect(res.body).toContain(`App${'\uFFFD'.repeat(6)}`);
    }
  });
});
