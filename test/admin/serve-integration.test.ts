/**
 * The whole `serve --data` composition over real sockets: store-backed keys, the admin API on the
 * admin listener, the JWKS on the content listener, audit events landing in the store, and live
 * effect of creating/disabling a configuration on what the content listener accepts (polled).
 * Also `portcullis probe`'s library and test-connection against a server keyed from the store,
 * and the zero-config key imported as configuration "Default".
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/serve.js';
import { composeStoreBacked, type StoreBacked } from '../../src/app/store-backed.js';
import {
  prepareZeroConfig,
  sampleInstructions,
  sampleUrl,
  type ZeroConfigLayout,
} from '../../src/app/zero-config.js';
import { testConnection } from '../../src/cli/test-connection.js';
import { probeDistributionPoint } from '../../src/probe/probe.js';
import { craftProbeCases } from '../../src/probe/tokens.js';
import { resolveServeConfig } from '../../src/server/config.js';
import { signToken } from '../../src/token/sign.js';
import { basic } from './helpers.js';

/** Polls `check` until it returns true (or gives up after `ms`); no fixed sleeps. */
async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

async function start(dir: string, zeroConfig: ZeroConfigLayout | null = null) {
  const content = join(dir, 'content');
  mkdirSync(content, { recursive: true });
  writeFileSync(join(content, 'hello.txt'), 'hello from portcullis\n');
  writeFileSync(join(content, 'secret.txt'), 'not for the probe\n');
  const config = resolveServeConfig({
    data: join(dir, 'data'),
    root: content,
    port: 0,
    adminPort: 0,
    workers: 1,
    logLevel: 'silent',
  });
  let banner = '';
  const composed = await composeStoreBacked(config, {
    stderr: (t) => (banner += t),
    keyPollMs: 100,
    zeroConfig,
    env: {},
  });
  const server = await startServer({ ...composed.config, ...composed.parts });
  // As src/app/launch.ts does once the listeners are up: the password, with the console URL.
  await composed.revealFirstAdmin(`${server.adminUrl}/admin`);
  return { composed, server, banner };
}

describe('serve --data: admin API, store keys, JWKS, audit', () => {
  let dir: string;
  let composed: StoreBacked;
  let server: RunningServer;
  let banner: string;
  let token: string;
  let key: KeyObject;
  let configId: string;
  let signedUrl: string;

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${server.adminUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-serve-admin-'));
    ({ composed, server, banner } = await start(dir));
    key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  });
  afterAll(async () => {
    await server?.close();
    await composed?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the one-time admin password once and forces a change', async () => {
    const password = /password: (\S+)/.exec(banner)?.[1];
    expect(password).toBeDefined();
    expect(banner).toContain(`console : ${server.adminUrl}/admin`);
    expect(composed.firstAdmin?.username).toBe('admin');
    const login = await fetch(`${server.adminUrl}/api/v1/auth/token`, {
      method: 'POST',
      headers: { authorization: basic('admin', password!) },
    });
    expect(login.status).toBe(200);
    token = ((await login.json()) as { token: string }).token;
    expect((await api('GET', '/api/v1/jwt-configurations')).status).toBe(403);
    const changed = await api('POST', '/api/v1/auth/change-password', {
      currentPassword: password,
      newPassword: 'my own long passphrase',
    });
    expect(changed.status).toBe(200);
    // The change ended the one-time session; continue with the new session's token.
    token = ((await changed.json()) as { token: string }).token;
  });

  it('keeps the 1 MiB JSON limit on the shared admin listener', async () => {
    const res = await api('PUT', '/api/v1/settings', { pad: 'x'.repeat(1024 * 1024 + 10) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe('BODY_TOO_LARGE');
  });

  it('refuses downloads while no configuration exists', async () => {
    const res = await fetch(`${server.url}/hello.txt`);
    expect(res.status).toBe(401);
  });

  it('a created configuration signs URLs the content listener accepts', async () => {
    const created = await api('POST', '/api/v1/jwt-configurations', {
      displayName: 'Jamf',
      key: { pem: key.export({ type: 'pkcs1', format: 'pem' }).toString() },
      tokenExpiry: '15m',
    });
    expect(created.status).toBe(201);
    configId = ((await created.json()) as { id: string }).id;
    const signed = await api('POST', `/api/v1/jwt-configurations/${configId}/signed-urls`, {
      path: 'hello.txt',
    });
    signedUrl = ((await signed.json()) as { url: string }).url;
    expect(signedUrl.startsWith(`${server.url}/hello.txt?token=`)).toBe(true);
    expect(await eventually(async () => (await fetch(signedUrl)).status === 200, 2000)).toBe(true);
    expect(await (await fetch(signedUrl)).text()).toBe('hello from portcullis\n');
  });

  it('publishes enabled configurations at /.well-known/jwks.json', async () => {
    const res = await fetch(`${server.url}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    const jwks = (await res.json()) as { keys: Array<{ kid: string; n: string }> };
    const view = (await (await api('GET', `/api/v1/jwt-configurations/${configId}`)).json()) as {
      kid: string;
    };
    expect(jwks.keys.map((k) => k.kid)).toEqual([view.kid]);
    expect(JSON.stringify(jwks)).not.toMatch(/"d":/);
  });

  it('records downloads in the audit log with the configuration id', async () => {
    const found = await eventually(async () => {
      const res = await api('GET', `/api/v1/audit?configurationId=${configId}&outcome=OK`);
      return ((await res.json()) as { items: unknown[] }).items.length > 0;
    });
    expect(found).toBe(true);
  });

  it('passes portcullis probe and test-connection with the store-held key', async () => {
    const report = await probeDistributionPoint(`${server.url}/hello.txt`, key, {
      timeoutMs: 5000,
    });
    expect(report.results.filter((r) => r.verdict === 'fail').map((r) => r.id)).toEqual([]);
    expect(report.ok).toBe(true);
    const checks = await testConnection(`${server.url}/hello.txt`, key, { timeoutMs: 5000 });
    expect(checks.map((c) => [c.name, c.status, c.ok])).toEqual([
      ['valid', 200, true],
      ['tampered', 401, true],
      ['expired', 401, true],
    ]);
  });

  it('the console probe passes this server, and its valid token opens the probed file only', async () => {
    const res = await api('POST', '/api/v1/tools/probe', {
      configurationId: configId,
      url: `${server.url}/hello.txt`,
    });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { ok: boolean; results: Array<{ verdict: string }> };
    expect(report.results.filter((r) => r.verdict === 'fail')).toEqual([]);
    expect(report.ok).toBe(true);
    // RS256 is deterministic: these are the tokens the probe sent, as an eavesdropper saw them.
    const valid = craftProbeCases({ privateKey: key, attackerKey: key, path: '/hello.txt' }).find(
      (c) => c.id === 'valid',
    )?.token;
    expect((await fetch(`${server.url}/hello.txt?token=${valid}`)).status).toBe(200);
    const other = await fetch(`${server.url}/secret.txt?token=${valid}`);
    expect([401, 403]).toContain(other.status);
    expect(await other.text()).not.toContain('not for the probe');
  });

  it('disabling the configuration stops the content listener accepting its tokens within ~2 s', async () => {
    expect(
      (await api('PATCH', `/api/v1/jwt-configurations/${configId}`, { enabled: false })).status,
    ).toBe(200);
    // A disabled configuration signs nothing: not a URL, not the probe's valid token.
    const probe = await api('POST', '/api/v1/tools/probe', {
      configurationId: configId,
      url: `${server.url}/hello.txt`,
    });
    expect(probe.status).toBe(409);
    expect(((await probe.json()) as { code: string }).code).toBe('CONFIGURATION_DISABLED');
    expect(await eventually(async () => (await fetch(signedUrl)).status === 401, 2000)).toBe(true);
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as {
      keys: unknown[];
    };
    expect(jwks.keys).toEqual([]);
  });

  it('a change made by another process (directly in the store) is picked up by polling', async () => {
    await composed.store.configurations.update(configId, { enabled: true });
    expect(await eventually(async () => (await fetch(signedUrl)).status === 200, 2000)).toBe(true);
  });
});

describe('serve --data with the zero-config key', () => {
  it('creates "Default" in the store (no plaintext key file) so the sample URL works, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-serve-zero-'));
    const layout = await prepareZeroConfig(join(dir, 'data'));
    const { composed, server } = await start(dir, layout);
    try {
      const configs = await composed.store.configurations.list();
      expect(configs.map((c) => [c.displayName, c.tokenExpirySeconds, c.enabled])).toEqual([
        ['Default', 900, true],
      ]);
      expect(composed.config.keys).toEqual([]);
      expect(existsSync(layout.legacyPrivateKeyPath)).toBe(false);
      // No public key file either: it would go stale on rotation; the banner names the JWKS.
      expect(existsSync(layout.legacyPublicKeyPath)).toBe(false);
      const { signedUrl, text } = sampleInstructions(
        { ...layout, root: join(dir, 'content') },
        server.url,
        await composed.signZeroConfigSample(sampleUrl(server.url)),
      );
      expect(text).toContain(`${server.url}/.well-known/jwks.json`);
      expect(text).not.toContain('.pem');
      writeFileSync(join(dir, 'content', 'welcome.txt'), 'welcome');
      expect((await fetch(signedUrl!)).status).toBe(200);
      // The sample token is bound to the sample file (path claim): it opens nothing else.
      const other = await fetch(signedUrl!.replace('welcome.txt', 'hello.txt'));
      expect(other.status).toBe(401);
      expect(((await other.json()) as { code: string }).code).toBe('TOKEN_PATH_MISMATCH');
    } finally {
      await server.close();
      await composed.close();
    }
    // A second start does not import it again.
    const again = await start(dir, layout);
    try {
      expect((await again.composed.store.configurations.list()).length).toBe(1);
      expect(again.composed.firstAdmin).toBeNull();
    } finally {
      await again.server.close();
      await again.composed.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('imports a plaintext key left by an older version once, deletes it, and never again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-serve-legacy-'));
    const layout = await prepareZeroConfig(join(dir, 'data'));
    const legacy = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const legacyPem = legacy.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(layout.legacyPrivateKeyPath, legacyPem, { mode: 0o600 });
    const first = await start(dir, layout);
    const [imported] = await first.composed.store.configurations.list();
    expect(imported!.publicKeyPem).toBe(
      createPublicKey(legacy).export({ type: 'spki', format: 'pem' }).toString(),
    );
    expect(existsSync(layout.legacyPrivateKeyPath)).toBe(false);
    await first.composed.store.configurations.delete(imported!.id);
    await first.server.close();
    await first.composed.close();
    // The old file comes back (a backup restored, a second copy): it is deleted, not imported.
    // So is the stale public key file an older version wrote for "Default" as first created.
    writeFileSync(layout.legacyPrivateKeyPath, legacyPem, { mode: 0o600 });
    writeFileSync(layout.legacyPublicKeyPath, imported!.publicKeyPem);
    const second = await start(dir, layout);
    try {
      expect(await second.composed.store.configurations.list()).toEqual([]);
      expect(existsSync(layout.legacyPrivateKeyPath)).toBe(false);
      expect(existsSync(layout.legacyPublicKeyPath)).toBe(false);
      expect(await second.composed.signZeroConfigSample(sampleUrl(second.server.url))).toBeNull();
      const old = signToken(legacy, { expiresIn: '5m' });
      expect((await fetch(`${second.server.url}/hello.txt?token=${old}`)).status).toBe(401);
    } finally {
      await second.server.close();
      await second.composed.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
