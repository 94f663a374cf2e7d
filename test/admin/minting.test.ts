/**
 * Minting a download token is one permission (issue 10 §2): every admin route that hands out a
 * working token — signed URLs, the catalog's install bundle, manifest, QR codes and command
 * plists, and the probe — refuses read-only callers (local accounts and external JWT servers
 * alike) with 403 SIGNING_FORBIDDEN and records nothing; for admins each minted token leaves one
 * change-log row (who, configuration, path, expiry, fingerprint) that never holds the token.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeRecord } from '../../src/store/types.js';
import { tokenFingerprint } from '../../src/token/node.js';
import { type Fixtures, makeFixtures } from '../catalog/fixtures.js';
import { type AdminFixture, adminFixture, problemOf } from './helpers.js';
import { type CallerName, type Callers, makeCallers } from './roles.js';

let fx: AdminFixture;
let files: Fixtures;
let callers: Callers;
let configId = '';
let probeTarget: Server;
let probeUrl = '';

const C = '/api/v1/content/mac/Agent.pkg';

interface MintRoute {
  name: string;
  method: 'GET' | 'POST';
  url: () => string;
  payload?: () => Record<string, unknown>;
  /** Tokens the route mints per call, and the path each is recorded for. */
  tokens: number;
  path: () => string;
  purpose: string;
  /** Tokens visible in the response (to compare fingerprints). */
  visible?: (body: string) => string[];
}

const tokensIn = (text: string) =>
  [...text.matchAll(/token=([\w-]+\.[\w-]+\.[\w-]+)/g)].map((m) => decodeURIComponent(m[1]!));

const ROUTES: MintRoute[] = [
  {
    name: 'signed-urls {path}',
    method: 'POST',
    url: () => `/api/v1/jwt-configurations/${configId}/signed-urls`,
    payload: () => ({ path: 'mac/Agent.pkg' }),
    tokens: 1,
    path: () => '/mac/Agent.pkg',
    purpose: 'signed-url',
    visible: tokensIn,
  },
  {
    name: 'signed-urls {url}',
    method: 'POST',
    url: () => `/api/v1/jwt-configurations/${configId}/signed-urls`,
    payload: () => ({ url: 'https://dist.example.test/other/file.pkg?x=1' }),
    tokens: 1,
    path: () => '/other/file.pkg',
    purpose: 'signed-url',
    visible: tokensIn,
  },
  {
    name: 'install',
    method: 'GET',
    url: () => `${C}/install?config=${configId}`,
    tokens: 2,
    path: () => '/mac/Agent.pkg',
    purpose: 'install',
    visible: tokensIn,
  },
  {
    name: 'manifest.plist',
    method: 'GET',
    url: () => `${C}/manifest.plist?config=${configId}`,
    tokens: 1,
    path: () => '/mac/Agent.pkg',
    purpose: 'manifest',
    visible: (body) => tokensIn(body.replaceAll('&amp;', '&')),
  },
  {
    name: 'qr.png',
    method: 'GET',
    url: () => `${C}/qr.png?config=${configId}`,
    tokens: 2,
    path: () => '/mac/Agent.pkg',
    purpose: 'qr',
  },
  {
    name: 'qr.svg',
    method: 'GET',
    url: () => `${C}/qr.svg?config=${configId}`,
    tokens: 2,
    path: () => '/mac/Agent.pkg',
    purpose: 'qr',
  },
  {
    name: 'commands/InstallApplication.plist',
    method: 'GET',
    url: () => `${C}/commands/InstallApplication.plist?config=${configId}`,
    tokens: 1,
    path: () => '/mac/Agent.pkg',
    purpose: 'command',
    visible: (body) => tokensIn(body.replaceAll('&amp;', '&')),
  },
  {
    name: 'tools/probe',
    method: 'POST',
    url: () => '/api/v1/tools/probe',
    payload: () => ({ url: `${probeUrl}/probe/App.ipa`, configurationId: configId }),
    tokens: 1,
    path: () => '/probe/App.ipa',
    purpose: 'probe',
  },
];

async function mintRows(): Promise<ChangeRecord[]> {
  return (await fx.store.changes.query({ action: 'token.mint', limit: 1000 })).items;
}

function call(route: MintRoute, caller: CallerName) {
  return fx.app.inject({
    method: route.method,
    url: route.url(),
    headers: callers.headers[caller],
    ...(route.payload ? { payload: route.payload() } : {}),
  });
}

beforeAll(async () => {
  files = makeFixtures({ basic: true });
  fx = await adminFixture();
  callers = await makeCallers(fx);
  const admin = callers.headers.admin;
  const cfg = await fx.app.inject({
    method: 'POST',
    url: '/api/v1/jwt-configurations',
    headers: admin,
    payload: { displayName: 'Jamf' },
  });
  configId = cfg.json().id;
  const put = await fx.app.inject({
    method: 'PUT',
    url: C,
    headers: { ...admin, 'content-type': 'application/octet-stream' },
    payload: readFileSync(files.path('component.pkg')),
  });
  expect(put.statusCode).toBe(201);
  // The probe's target: refuses everything, which is all the probe needs to run to completion.
  probeTarget = createServer((_req, res) => res.writeHead(401).end());
  await new Promise<void>((r) => probeTarget.listen(0, '127.0.0.1', r));
  probeUrl = `http://127.0.0.1:${(probeTarget.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise((r) => probeTarget?.close(r));
  await fx?.close();
  files?.cleanup();
});

describe('minting needs the signing permission, for every route and every kind of caller', () => {
  for (const route of ROUTES) {
    it(`${route.method} ${route.name}: read-only callers get 403 SIGNING_FORBIDDEN, nothing minted`, async () => {
      const before = (await mintRows()).length;
      for (const caller of ['read-only', 'external read-only'] as const) {
        const res = await call(route, caller);
        expect(problemOf(res), caller).toMatchObject({ status: 403, code: 'SIGNING_FORBIDDEN' });
        expect(res.body).not.toMatch(/token=ey/);
      }
      expect((await call(route, 'anonymous')).statusCode).toBe(401);
      expect((await mintRows()).length).toBe(before);
    });
  }

  it('a read-only caller is refused before the configuration is even looked at', async () => {
    const res = await fx.app.inject({
      method: 'GET',
      url: `${C}/install`,
      headers: callers.headers['read-only'],
    });
    expect(problemOf(res)).toMatchObject({ status: 403, code: 'SIGNING_FORBIDDEN' });
  });
});

describe('every minted token is recorded', () => {
  for (const route of ROUTES) {
    it(`${route.method} ${route.name}: one change-log row per token, for local and external admins`, async () => {
      for (const caller of ['admin', 'external admin'] as const) {
        const before = (await mintRows()).map((r) => r.id);
        const res = await call(route, caller);
        expect(res.statusCode, `${caller}: ${res.body.slice(0, 200)}`).toBe(200);
        const rows = (await mintRows()).filter((r) => !before.includes(r.id));
        expect(rows).toHaveLength(route.tokens);
        const actor =
          caller === 'admin'
            ? 'alice'
            : `jwt-server:${callers.serverNames.admin}/pipeline-admin (id ${callers.serverIds.admin})`;
        for (const row of rows) {
          expect(row).toMatchObject({
            actor,
            action: 'token.mint',
            targetType: 'configuration',
            targetId: configId,
            details: {
              purpose: route.purpose,
              path: route.path(),
              expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
              fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
            },
          });
          // The record names the token; it never holds it.
          expect(JSON.stringify(row)).not.toMatch(/ey[\w-]{10,}\./);
        }
        if (route.visible) {
          const shown = route.visible(res.body);
          expect(shown.length).toBeGreaterThan(0);
          expect(new Set(shown.map(tokenFingerprint))).toEqual(
            new Set(rows.map((r) => r.details.fingerprint)),
          );
        }
      }
    });
  }

  it("records the probe's valid token by its real fingerprint", async () => {
    // RS256 is deterministic, so the signer can fingerprint exactly the token the probe sends.
    const seen: string[] = [];
    const target = createServer((req, res) => {
      const token = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
      if (token) seen.push(token);
      res.writeHead(401).end();
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    try {
      const before = (await mintRows()).map((r) => r.id);
      const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/My%20App.ipa`;
      const res = await fx.app.inject({
        method: 'POST',
        url: '/api/v1/tools/probe',
        headers: callers.headers.admin,
        payload: { url, configurationId: configId },
      });
      expect(res.statusCode).toBe(200);
      const [row] = (await mintRows()).filter((r) => !before.includes(r.id));
      expect(seen.map(tokenFingerprint)).toContain(row?.details.fingerprint);
      // The valid token is bound to the probed file; the record names exactly its claim.
      const validToken = seen.find((t) => tokenFingerprint(t) === row?.details.fingerprint) ?? '';
      const claims = JSON.parse(Buffer.from(validToken.split('.')[1]!, 'base64url').toString());
      expect(claims.path).toBe('/My App.ipa');
      expect(row?.details.path).toBe('/My App.ipa');
    } finally {
      await new Promise((r) => target.close(r));
    }
  });
});
