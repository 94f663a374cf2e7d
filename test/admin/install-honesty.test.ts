/**
 * Install helpers never invent what they could not read, and say when devices will refuse their
 * links: an unreadable .pkg gets no made-up bundle identifier or version (refused with
 * BUNDLE_VALUES_REQUIRED, or built from the caller's own values), and `/install` on an http://
 * public URL answers a `warnings` entry. Through inject() with a real SQLite store.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixtures } from '../catalog/fixtures.js';
import {
  type AdminFixture,
  addAccount,
  adminFixture,
  bearer,
  login,
  problemOf,
} from './helpers.js';

const C = '/api/v1/content';
const fixtures: AdminFixture[] = [];

function pythonParse(xml: string): Record<string, unknown> {
  const script =
    'import plistlib,sys,json;print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))';
  return JSON.parse(execFileSync('python3', ['-c', script], { input: xml }).toString('utf8'));
}

/** An admin app with one JWT configuration and a .pkg that is not a readable package. */
async function setUp(publicUrl: string) {
  const fx = await adminFixture({ publicUrl });
  fixtures.push(fx);
  await addAccount(fx.store, 'alice', 'admin');
  const admin = bearer(await login(fx.app, 'alice'));
  const created = await fx.app.inject({
    method: 'POST',
    url: '/api/v1/jwt-configurations',
    headers: admin,
    payload: { displayName: 'Jamf' },
  });
  expect(created.statusCode).toBe(201);
  const configId = created.json().id as string;
  const put = await fx.app.inject({
    method: 'PUT',
    url: `${C}/mac/Broken.pkg`,
    headers: { ...admin, 'content-type': 'application/octet-stream' },
    payload: randomBytes(4096),
  });
  expect(put.statusCode).toBe(201);
  const get = (url: string) => fx.app.inject({ method: 'GET', url, headers: admin });
  return { fx, admin, configId, get };
}

let https: Awaited<ReturnType<typeof setUp>>;

beforeAll(async () => {
  https = await setUp('https://dist.example.test/');
}, 60_000);
afterAll(async () => {
  for (const fx of fixtures) await fx.close();
});

describe('a package whose bundle identifier and version could not be read', () => {
  it('InstallEnterpriseApplication is refused with a code instead of inventing Fake.pkg / 1.0', async () => {
    const res = await https.get(
      `${C}/mac/Broken.pkg/commands/InstallEnterpriseApplication.plist?config=${https.configId}`,
    );
    const problem = problemOf(res);
    expect(problem).toMatchObject({ status: 422, code: 'BUNDLE_VALUES_REQUIRED' });
    expect(res.json().title).toContain('does not invent them');
    expect(res.body).not.toContain('Broken.pkg</string>');
    expect(res.body).not.toContain('token=');
  });

  it('InstallEnterpriseApplication uses the values the caller gives, and nothing made up', async () => {
    const res = await https.get(
      `${C}/mac/Broken.pkg/commands/InstallEnterpriseApplication.plist?config=${https.configId}&bundleId=com.example.tool&bundleVersion=2.1`,
    );
    expect(res.statusCode, res.body).toBe(200);
    const cmd = pythonParse(res.body) as {
      Command: { Manifest: { items: Array<{ metadata: Record<string, unknown> }> } };
    };
    expect(cmd.Command.Manifest.items[0]?.metadata).toMatchObject({
      'bundle-identifier': 'com.example.tool',
      'bundle-version': '2.1',
    });
    expect(res.body).not.toContain('<string>1.0</string>');
  });

  it('one value alone is not enough, and hostile values are refused by the schema', async () => {
    const one = await https.get(
      `${C}/mac/Broken.pkg/commands/InstallEnterpriseApplication.plist?config=${https.configId}&bundleId=com.example.tool`,
    );
    expect(problemOf(one)).toMatchObject({ status: 422, code: 'BUNDLE_VALUES_REQUIRED' });
    for (const bad of [
      'bundleId=%3C%2Fstring%3E',
      'bundleVersion=1%0A2',
      `bundleId=${'a'.repeat(300)}`,
    ]) {
      const res = await https.get(
        `${C}/mac/Broken.pkg/commands/InstallEnterpriseApplication.plist?config=${https.configId}&bundleVersion=1&${bad}`,
      );
      expect(problemOf(res)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  it('InstallApplication and the manifest are refused: devices fetch the manifest without the caller', async () => {
    for (const tail of ['commands/InstallApplication.plist', 'manifest.plist']) {
      const res = await https.get(
        `${C}/mac/Broken.pkg/${tail}?config=${https.configId}&bundleId=com.example.tool&bundleVersion=2.1`,
      );
      expect(problemOf(res), tail).toMatchObject({ status: 422, code: 'BUNDLE_VALUES_REQUIRED' });
    }
  });

  it('/install offers no manifest link and no InstallApplication, and says why in warnings', async () => {
    const res = await https.get(`${C}/mac/Broken.pkg/install?config=${https.configId}`);
    expect(res.statusCode).toBe(200);
    const links = res.json();
    expect(links.manifestUrl).toBeUndefined();
    expect(Object.keys(links.commands)).toEqual(['InstallEnterpriseApplication']);
    expect(links.warnings).toEqual([
      {
        code: 'BUNDLE_VALUES_MISSING',
        message: expect.stringContaining('bundleId and bundleVersion'),
      },
    ]);
  });
});

describe('a package whose values were read', () => {
  it('keeps the file’s own bundle identifier and version: a caller cannot override them', async () => {
    const files = makeFixtures({ basic: true });
    try {
      const put = await https.fx.app.inject({
        method: 'PUT',
        url: `${C}/mac/Suite.pkg`,
        headers: { ...https.admin, 'content-type': 'application/octet-stream' },
        payload: readFileSync(files.path('product.pkg')),
      });
      expect(put.statusCode).toBe(201);
    } finally {
      files.cleanup();
    }
    const res = await https.get(
      `${C}/mac/Suite.pkg/commands/InstallEnterpriseApplication.plist?config=${https.configId}&bundleId=com.evil.swap&bundleVersion=9.9`,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toContain('com.example.suite');
    expect(res.body).not.toContain('com.evil.swap');
    const links = (await https.get(`${C}/mac/Suite.pkg/install?config=${https.configId}`)).json();
    expect(links.warnings).toEqual([]);
    expect(links.manifestUrl).toMatch(/^https:\/\/dist\.example\.test\//);
  });
});

describe('install links on an http:// public URL', () => {
  it('/install answers an INSECURE_DEVICE_LINKS warning; an https:// one has none of that', async () => {
    const http = await setUp('http://dist.example.test/');
    const res = await http.get(`${C}/mac/Broken.pkg/install?config=${http.configId}`);
    expect(res.statusCode).toBe(200);
    const codes = (res.json().warnings as Array<{ code: string; message: string }>).map(
      (w) => w.code,
    );
    expect(codes).toContain('INSECURE_DEVICE_LINKS');
    expect(JSON.stringify(res.json().warnings)).toContain('https://');
    const secure = await https.get(`${C}/mac/Broken.pkg/install?config=${https.configId}`);
    expect(secure.json().warnings.map((w: { code: string }) => w.code)).not.toContain(
      'INSECURE_DEVICE_LINKS',
    );
  });
});
