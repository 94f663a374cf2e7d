/**
 * The serve --data wiring of the device manifest route (contentManifestExtension): it verifies
 * tokens with the store's keys and serve's claim rules, builds package URLs from publicUrl only,
 * and without one uses the content listener's own URL (from the serve context), never Host.
 */

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentManifestExtension } from '../../src/admin/routes/content-device.js';
import type { ManifestExtension } from '../../src/catalog/manifest-extension.js';
import { resolveServeConfig } from '../../src/server/config.js';
import { storeKeySource } from '../../src/store/key-source.js';
import { type Fixtures, makeFixtures } from '../catalog/fixtures.js';
import { type AdminFixture, addAccount, adminFixture, bearer, login } from './helpers.js';

let fx: AdminFixture;
let files: Fixtures;
let manifestUrl: URL;
const servers: Server[] = [];

async function serveExtension(ext: ManifestExtension): Promise<string> {
  const server = createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    void Promise.resolve(ext.handle(req, res, pathname)).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
  for (const s of servers) await new Promise((r) => s.close(r));
  await fx?.close();
  files?.cleanup();
});

/** Builds the extension as the content listener does: publicUrl() is --public-url or its own URL. */
function extension(publicUrl?: string, listenerUrl = 'http://192.0.2.10:8080') {
  const config = resolveServeConfig({
    root: fx.dir,
    data: fx.dir,
    ...(publicUrl ? { publicUrl } : {}),
  });
  return contentManifestExtension({
    store: fx.store,
    config,
    keySource: storeKeySource(fx.store),
  })({ publicUrl: () => config.publicUrl ?? listenerUrl });
}

describe('contentManifestExtension', () => {
  it('serves the package manifest for a store-signed token, with URLs from publicUrl', async () => {
    const ext = await extension('https://dist.example.test');
    const base = await serveExtension(ext);
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
  });

  it('refuses a tampered token and paths outside the manifest prefix are not claimed', async () => {
    const base = await serveExtension(await extension('https://dist.example.test'));
    const token = manifestUrl.searchParams.get('token') ?? '';
    const tampered = `${token.slice(0, -4)}AAAA`;
    const res = await fetch(`${base}${manifestUrl.pathname}?token=${tampered}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toMatch(/^TOKEN_/);
    expect((await fetch(`${base}/mac/Agent.pkg?token=${token}`)).status).toBe(404);
  });

  it('without --public-url builds the package URL from the listener, not from Host', async () => {
    const base = await serveExtension(await extension(undefined, 'http://192.0.2.10:8080'));
    const res = await fetch(`${base}${manifestUrl.pathname}${manifestUrl.search}`, {
      headers: { host: 'evil.example' },
    });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('<string>http://192.0.2.10:8080/mac/Agent.pkg?token=');
    expect(body).not.toContain('evil.example');
  });
});
