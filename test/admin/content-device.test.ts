/**
 * The serve --data wiring of the device manifest route (contentManifestExtension) on a real
 * content listener: tokens are verified by the listener itself (the store's keys, serve's claim
 * rules, one key ring), package URLs come from publicUrl or the listener's own URL, never Host,
 * refusals are the very 401s downloads get, and every manifest fetch is audited without its token.
 */

import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentManifestExtension } from '../../src/admin/routes/content-device.js';
import { type RunningServer, startServer } from '../../src/app/serve.js';
import type { DownloadEvent } from '../../src/contracts/download-event.js';
import { storeKeySource } from '../../src/store/key-source.js';
import { decryptSecret } from '../../src/store/secret.js';
import { signToken } from '../../src/token/sign.js';
import { type Fixtures, makeFixtures } from '../catalog/fixtures.js';
import { eventually } from '../helpers/wait.js';
import { type AdminFixture, addAccount, adminFixture, bearer, login } from './helpers.js';

let fx: AdminFixture;
let files: Fixtures;
let manifestUrl: URL;
let configurationId = '';
const servers: RunningServer[] = [];
const events: DownloadEvent[] = [];

/** A Jamf Pro-shaped token (no path claim) signed with the configuration's own key. */
async function jamfToken(): Promise<string> {
  const record = await fx.store.configurations.get(configurationId);
  const pem = decryptSecret(
    fx.secret,
    record!.privateKeyCiphertext,
    `configuration:${configurationId}`,
  );
  return signToken(createPrivateKey(Buffer.from(pem)), { expiresIn: '5m' });
}

/** A content listener with the store's keys and the manifest route, as `serve --data` builds it. */
async function listener(publicUrl?: string): Promise<RunningServer> {
  const server = await startServer({
    root: fx.dir,
    keySource: storeKeySource(fx.store),
    contentExtensions: [contentManifestExtension({ store: fx.store })],
    auditSink: { record: (e) => events.push(e) },
    ...(publicUrl ? { publicUrl } : {}),
    host: '127.0.0.1',
    port: 0,
    admin: false,
    workers: 1,
    logLevel: 'silent',
  });
  servers.push(server);
  return server;
}

beforeAll(async () => {
  files = makeFixtures({ basic: true });
  fx = await adminFixture();
  await addAccount(fx.store, 'alice', 'admin');
  const h = bearer(await login(fx.app, 'alice'));
  const cfg = await fx.app.inject({
    method: 'POST',
    url: '/api/v1/jwt-configurations',
    headers: h,
    payload: { displayName: 'Jamf' },
  });
  configurationId = cfg.json().id;
  const put = await fx.app.inject({
    method: 'PUT',
    url: '/api/v1/content/mac/Agent.pkg',
    headers: { ...h, 'content-type': 'application/octet-stream' },
    payload: readFileSync(files.path('component.pkg')),
  });
  expect(put.statusCode).toBe(201);
  const links = await fx.app.inject({
    method: 'GET',
    url: `/api/v1/content/mac/Agent.pkg/install?config=${cfg.json().id}`,
    headers: h,
  });
  manifestUrl = new URL(links.json().manifestUrl);
}, 60_000);

afterAll(async () => {
  for (const s of servers) await s.close();
  await fx?.close();
  files?.cleanup();
});

describe('contentManifestExtension', () => {
  it('serves the package manifest for a store-signed token, with URLs from publicUrl', async () => {
    const base = (await listener('https://dist.example.test')).url;
    events.length = 0;
    const res = await fetch(`${base}${manifestUrl.pathname}${manifestUrl.search}`, {
      headers: { host: 'evil.example' },
    });
    expect(res.status).toBe(200);
    const body = await res.text();
    const token = manifestUrl.searchParams.get('token') ?? '';
    expect(body).toContain(
      `<string>https://dist.example.test/mac/Agent.pkg?token=${token}</string>`,
    );
    expect(body).toMatch(/<key>sha256s<\/key>/);
    expect(body).not.toContain('evil.example');
    await eventually(() => events.length > 0);
    expect(events[0]).toMatchObject({
      via: 'manifest',
      outcome: 'OK',
      status: 200,
      path: '/mac/Agent.pkg',
      keyLabel: configurationId,
      tokenFingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(JSON.stringify(events)).not.toContain(token);
  });

  it('refuses a tampered token with the same 401 a download gets, audited without the token', async () => {
    const base = (await listener('https://dist.example.test')).url;
    const token = manifestUrl.searchParams.get('token') ?? '';
    const tampered = `${token.slice(0, -4)}AAAA`;
    events.length = 0;
    const res = await fetch(`${base}${manifestUrl.pathname}?token=${tampered}`);
    const download = await fetch(`${base}/mac/Agent.pkg?token=${tampered}`);
    expect(res.status).toBe(401);
    expect(download.status).toBe(401);
    expect(await res.text()).toBe(await download.text());
    expect(res.headers.get('www-authenticate')).toBe(download.headers.get('www-authenticate'));
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    await eventually(() => events.length >= 2);
    expect(events[0]).toMatchObject({ via: 'manifest', outcome: 'SIGNATURE_INVALID' });
    expect(events[0]!.tokenFingerprint).toBe(events[1]!.tokenFingerprint);
    expect(JSON.stringify(events)).not.toContain(tampered);
  });

  it('audits a fetch for content that has no manifest as NOT_FOUND, after the token verified', async () => {
    const base = (await listener()).url;
    // Jamf's tokens open any path; Portcullis' own would be refused for another file (below).
    const token = await jamfToken();
    events.length = 0;
    const missing = await fetch(`${base}/_portcullis/manifest/mac/Nope.pkg.plist?token=${token}`);
    expect(missing.status).toBe(404);
    const noToken = await fetch(`${base}/_portcullis/manifest/mac/Nope.pkg.plist`);
    expect(noToken.status).toBe(401);
    await eventually(() => events.length >= 2);
    expect(events[0]).toMatchObject({
      via: 'manifest',
      outcome: 'NOT_FOUND',
      path: '/mac/Nope.pkg',
    });
    // Recorded like a download: the path the request names, even when the token is missing.
    expect(events[1]).toMatchObject({
      via: 'manifest',
      outcome: 'TOKEN_MISSING',
      path: '/mac/Nope.pkg',
    });
  });

  it('gives devices no manifest with an invented bundle identifier for an unreadable .pkg', async () => {
    const h = bearer(await login(fx.app, 'alice'));
    const put = await fx.app.inject({
      method: 'PUT',
      url: '/api/v1/content/mac/Broken.pkg',
      headers: { ...h, 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(4096, 7),
    });
    expect(put.statusCode).toBe(201);
    const base = (await listener('https://dist.example.test')).url;
    const res = await fetch(
      `${base}/.portcullis/manifest/mac/Broken.pkg.plist?token=${await jamfToken()}`,
    );
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).not.toContain('bundle-identifier');
    expect(body).not.toContain('Broken.pkg');
  });

  it('refuses a token minted for one file on the manifest of another; Jamf tokens open both', async () => {
    const h = {
      ...bearer(await login(fx.app, 'alice')),
      'content-type': 'application/octet-stream',
    };
    const put = await fx.app.inject({
      method: 'PUT',
      url: '/api/v1/content/mac/Other.pkg',
      headers: h,
      payload: readFileSync(files.path('component.pkg')),
    });
    expect(put.statusCode).toBe(201);
    const base = (await listener('https://dist.example.test')).url;
    const bound = manifestUrl.searchParams.get('token') ?? '';
    events.length = 0;
    const other = await fetch(`${base}/_portcullis/manifest/mac/Other.pkg.plist?token=${bound}`);
    expect(other.status).toBe(401);
    expect(await other.json()).toMatchObject({ code: 'TOKEN_PATH_MISMATCH' });
    // Refused before the catalog is consulted: a missing file answers exactly the same.
    const missing = await fetch(`${base}/_portcullis/manifest/mac/Nope.pkg.plist?token=${bound}`);
    expect(missing.status).toBe(401);
    expect((await missing.json()).code).toBe('TOKEN_PATH_MISMATCH');
    await eventually(() => events.length >= 2);
    expect(events[0]).toMatchObject({ via: 'manifest', outcome: 'TOKEN_PATH_MISMATCH' });
    const own = await fetch(`${base}${manifestUrl.pathname}?token=${bound}`);
    expect(own.status).toBe(200);
    const jamf = await jamfToken();
    for (const name of ['Agent', 'Other']) {
      const res = await fetch(`${base}/_portcullis/manifest/mac/${name}.pkg.plist?token=${jamf}`);
      expect(res.status, name).toBe(200);
    }
  });

  it('keeps answering manifest links handed out under the deprecated /.portcullis/ prefix', async () => {
    const base = (await listener('https://dist.example.test')).url;
    expect(manifestUrl.pathname.startsWith('/_portcullis/manifest/')).toBe(true);
    const legacy = manifestUrl.pathname.replace('/_portcullis/', '/.portcullis/');
    const res = await fetch(`${base}${legacy}${manifestUrl.search}`);
    expect(res.status).toBe(200);
    const current = await fetch(`${base}${manifestUrl.pathname}${manifestUrl.search}`);
    expect(await res.text()).toBe(await current.text());
    // Refusals are the listener's, identical under both spellings.
    const a = await fetch(`${base}${legacy}`);
    const b = await fetch(`${base}${manifestUrl.pathname}`);
    expect(a.status).toBe(401);
    expect(await a.text()).toBe(await b.text());
    // Only the manifest route has an alias; the rest of /.portcullis/ is a dot path, never content.
    const token = manifestUrl.searchParams.get('token') ?? '';
    const other = await fetch(`${base}/.portcullis/healthz?token=${token}`);
    expect(other.status).toBe(400);
  });

  it('refuses a manifest request carrying two tokens, or one in the query and one as Bearer', async () => {
    const base = (await listener()).url;
    const token = manifestUrl.searchParams.get('token') ?? '';
    const two = await fetch(`${base}${manifestUrl.pathname}?token=${token}&%74oken=${token}`);
    expect(two.status).toBe(401);
    expect(((await two.json()) as { code: string }).code).toBe('TOKEN_MALFORMED');
    const both = await fetch(`${base}${manifestUrl.pathname}?token=${token}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await both.json()) as { code: string }).code).toBe('TOKEN_MALFORMED');
  });

  it('without --public-url builds the package URL from the listener, not from Host', async () => {
    const server = await listener();
    const res = await fetch(`${server.url}${manifestUrl.pathname}${manifestUrl.search}`, {
      headers: { host: 'evil.example' },
    });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain(`<string>${server.url}/mac/Agent.pkg?token=`);
    expect(body).not.toContain('evil.example');
  });
});
