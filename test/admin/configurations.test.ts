/**
 * JWT configurations through the front door: every key form the keys module reads, refusals with
 * KEY_* codes that leave no row behind, multipart uploads, rotation, downloads, signed URLs in
 * Jamf's exact token shape, and the guarantee that no response ever carries private key material.
 */
import { execFileSync } from 'node:child_process';
import {
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  verify,
  X509Certificate,
} from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/admin/app.js';
import { ConfigurationSigner } from '../../src/admin/configuration-signer.js';
import { probeRunner } from '../../src/probe/runner.js';
import {
  type AdminFixture,
  addAccount,
  adminFixture,
  bearer,
  login,
  problemOf,
} from './helpers.js';

const BASE = '/api/v1/jwt-configurations';

let fx: AdminFixture;
let token: string;
let readerToken: string;
let rsa: KeyObject;
let rsa2: KeyObject;
const bodies: string[] = [];

function multipart(
  fields: Record<string, string>,
  file?: { name: string; content: Buffer | string },
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----portcullis-test-boundary';
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      ),
    );
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="key file.pem"\r\nContent-Type: application/x-pem-file\r\n\r\n`,
      ),
    );
    parts.push(Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content));
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

async function call(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
  auth = token,
) {
  const res = await fx.app.inject({
    method,
    url,
    headers: bearer(auth),
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  bodies.push(res.body);
  return res;
}

beforeAll(async () => {
  fx = await adminFixture();
  await addAccount(fx.store, 'alice', 'admin');
  await addAccount(fx.store, 'rita', 'read-only');
  token = await login(fx.app, 'alice');
  readerToken = await login(fx.app, 'rita');
  rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  rsa2 = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
});
afterAll(async () => {
  // No response of this whole file may have carried private key material.
  const d = (rsa.export({ format: 'jwk' }) as { d: string }).d;
  for (const body of bodies) {
    expect(body).not.toContain('PRIVATE KEY');
    expect(body).not.toContain(d.slice(0, 40));
    expect(body).not.toMatch(/"d"\s*:/);
  }
  await fx.close();
});

describe('creating configurations', () => {
  it('creates from a PKCS#1 PEM (openssl genrsa) and returns only public material', async () => {
    const pem = rsa.export({ type: 'pkcs1', format: 'pem' }).toString();
    const res = await call('POST', BASE, {
      displayName: 'Jamf prod',
      key: { pem },
      tokenExpiry: '1h',
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      displayName: 'Jamf prod',
      keyBits: 2048,
      tokenExpiry: '1h',
      tokenExpirySeconds: 3600,
      enabled: true,
      createdBy: 'alice',
    });
    expect(body.publicKeyPem).toContain('BEGIN PUBLIC KEY');
    expect(body.certificatePem).toContain('BEGIN CERTIFICATE');
    expect(body.jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', kid: body.kid });
    expect(res.headers.location).toBe(`${BASE}/${body.id}`);
    // The stored private key is ciphertext, not PEM.
    const record = await fx.store.configurations.get(body.id);
    expect(record?.privateKeyCiphertext.startsWith('v1:')).toBe(true);
  });

  it('accepts an encrypted PKCS#8 key with its passphrase', async () => {
    const pem = rsa2
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'open sesame' })
      .toString();
    const res = await call('POST', BASE, {
      displayName: 'Encrypted',
      key: { pem, passphrase: 'open sesame' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().tokenExpirySeconds).toBe(900);
  });

  it('accepts a JWK and an OpenSSH private key (ssh-keygen)', async () => {
    const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const fromJwk = await call('POST', BASE, {
      displayName: 'From JWK',
      key: { pem: JSON.stringify(jwk.export({ format: 'jwk' })) },
    });
    expect(fromJwk.statusCode).toBe(201);
    expect(createPublicKey(fromJwk.json().publicKeyPem).equals(createPublicKey(jwk))).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-ssh-'));
    try {
      execFileSync('ssh-keygen', [
        '-q',
        '-t',
        'rsa',
        '-b',
        '2048',
        '-N',
        '',
        '-f',
        join(dir, 'id_rsa'),
      ]);
      const pem = readFileSync(join(dir, 'id_rsa'), 'utf8');
      expect(pem).toContain('OPENSSH PRIVATE KEY');
      const res = await call('POST', BASE, { displayName: 'From OpenSSH', key: { pem } });
      expect(res.statusCode).toBe(201);
      expect(res.json().keyBits).toBe(2048);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an encrypted key without or with a wrong passphrase, leaving no row', async () => {
    const before = (await fx.store.configurations.list()).length;
    const pem = rsa2
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'open sesame' })
      .toString();
    const missing = await call('POST', BASE, { displayName: 'No pass', key: { pem } });
    expect(problemOf(missing)).toMatchObject({ status: 400, code: 'KEY_PASSPHRASE_REQUIRED' });
    const wrong = await call('POST', BASE, {
      displayName: 'Wrong pass',
      key: { pem, passphrase: 'nope' },
    });
    expect(problemOf(wrong)).toMatchObject({ status: 400, code: 'KEY_PASSPHRASE_WRONG' });
    expect((await fx.store.configurations.list()).length).toBe(before);
  });

  it('refuses EC keys, small RSA keys, public keys and garbage with KEY_* codes', async () => {
    const before = (await fx.store.configurations.list()).length;
    const cases: Array<[string, string]> = [
      [
        generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
        'KEY_NOT_RSA',
      ],
      [
        generateKeyPairSync('rsa', { modulusLength: 1024 })
          .privateKey.export({ type: 'pkcs1', format: 'pem' })
          .toString(),
        'KEY_TOO_SMALL',
      ],
      [createPublicKey(rsa).export({ type: 'spki', format: 'pem' }).toString(), 'KEY_NOT_PRIVATE'],
    ];
    for (const [pem, code] of cases) {
      const res = await call('POST', BASE, { displayName: `bad ${code}`, key: { pem } });
      expect(problemOf(res), code).toMatchObject({ status: 400, code });
    }
    const garbage = await call('POST', BASE, {
      displayName: 'garbage',
      key: { pem: 'hello, not a key' },
    });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json().code).toMatch(/^KEY_/);
    expect((await fx.store.configurations.list()).length).toBe(before);
  });

  it('generates a key when asked and refuses unsupported sizes', async () => {
    const res = await call('POST', BASE, {
      displayName: 'Generated',
      key: { generate: { bits: 2048 } },
      tokenExpiry: '5m',
      enabled: false,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ keyBits: 2048, enabled: false, tokenExpiry: '5m' });
    const bad = await call('POST', BASE, { displayName: 'Big', key: { generate: { bits: 1024 } } });
    expect(problemOf(bad).code).toBe('VALIDATION_FAILED');
  });

  it('validates token lifetimes: presets, custom durations and 1m..30d bounds', async () => {
    const presets = await call('GET', `${BASE}/presets`);
    expect(presets.json().presets.map((p: { label: string }) => p.label)).toEqual([
      '5m',
      '15m',
      '30m',
      '1h',
      '4h',
      '12h',
      '1d',
      '1w',
    ]);
    for (const tokenExpiry of ['30s', '31d', 'soon', -5]) {
      const res = await call('POST', BASE, { displayName: `exp ${tokenExpiry}`, tokenExpiry });
      expect(problemOf(res).code, String(tokenExpiry)).toBe('VALIDATION_FAILED');
      expect(res.json().errors[0].path).toBe('tokenExpiry');
    }
  });

  it('refuses unknown fields, including inside key', async () => {
    const res = await call('POST', BASE, {
      displayName: 'x',
      key: { generate: { bits: 2048 }, privateKey: 'x' },
    });
    expect(problemOf(res).code).toBe('VALIDATION_FAILED');
    const top = await call('POST', BASE, { displayName: 'x', id: 'chosen-id' });
    expect(problemOf(top).code).toBe('VALIDATION_FAILED');
  });

  it('handles awkward display names: blank and overlong refused, control characters kept out of the certificate', async () => {
    for (const displayName of ['', '   ', 'x'.repeat(101)]) {
      const res = await call('POST', BASE, { displayName });
      expect(problemOf(res).code, JSON.stringify(displayName)).toBe('VALIDATION_FAILED');
    }
    const res = await call('POST', BASE, { displayName: 'Ünïcode \u0007 bell / "quotes" ../..' });
    expect(res.statusCode).toBe(201);
    const cert = await call('GET', `${BASE}/${res.json().id}/certificate`);
    expect(cert.headers['content-disposition']).toBe(
      'attachment; filename="n-code-bell-quotes.crt.pem"',
    );
    const subject = new X509Certificate(cert.body).subject;
    expect(subject).toContain('bell');
    expect(subject).not.toContain('\u0007');
  });

  it('rolls back the row when recording the change fails (nothing half-written)', async () => {
    const before = (await fx.store.configurations.list()).length;
    const changes = fx.store.changes as { record: typeof fx.store.changes.record };
    const original = changes.record;
    changes.record = async () => {
      throw new Error('disk full');
    };
    try {
      const res = await call('POST', BASE, { displayName: 'Half written' });
      expect(problemOf(res)).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    } finally {
      changes.record = original;
    }
    expect((await fx.store.configurations.list()).length).toBe(before);
  });

  it('answers a duplicate display name with 409 CONFLICT and writes nothing', async () => {
    const before = (await fx.store.configurations.list()).length;
    const res = await call('POST', BASE, { displayName: 'Jamf prod', tokenExpiry: '15m' });
    expect(problemOf(res)).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect((await fx.store.configurations.list()).length).toBe(before);
  });

  it('accepts an uploaded key file as multipart/form-data', async () => {
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const form = multipart(
      { displayName: 'Uploaded', tokenExpiry: '4h', enabled: 'true' },
      { name: 'key', content: key.export({ type: 'pkcs1', format: 'pem' }) },
    );
    const res = await fx.app.inject({
      method: 'POST',
      url: BASE,
      headers: { ...bearer(token), ...form.headers },
      payload: form.payload,
    });
    bodies.push(res.body);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ displayName: 'Uploaded', tokenExpirySeconds: 14400 });
    // DER bytes work too.
    const der = multipart(
      { displayName: 'Uploaded DER' },
      { name: 'key', content: key.export({ type: 'pkcs8', format: 'der' }) },
    );
    const resDer = await fx.app.inject({
      method: 'POST',
      url: BASE,
      headers: { ...bearer(token), ...der.headers },
      payload: der.payload,
    });
    expect(resDer.statusCode).toBe(201);
    expect(resDer.json().fingerprint).toBe(res.json().fingerprint);
  });

  it('refuses multipart forms without a key file, with unknown fields, or with an oversized file', async () => {
    const noFile = multipart({ displayName: 'No file' });
    const a = await fx.app.inject({
      method: 'POST',
      url: BASE,
      headers: { ...bearer(token), ...noFile.headers },
      payload: noFile.payload,
    });
    expect(problemOf(a).code).toBe('VALIDATION_FAILED');
    const extra = multipart({ displayName: 'Extra', role: 'admin' }, { name: 'key', content: 'x' });
    const b = await fx.app.inject({
      method: 'POST',
      url: BASE,
      headers: { ...bearer(token), ...extra.headers },
      payload: extra.payload,
    });
    expect(problemOf(b).code).toBe('VALIDATION_FAILED');
    const big = multipart(
      { displayName: 'Big' },
      { name: 'key', content: Buffer.alloc(200 * 1024, 65) },
    );
    const c = await fx.app.inject({
      method: 'POST',
      url: BASE,
      headers: { ...bearer(token), ...big.headers },
      payload: big.payload,
    });
    expect(problemOf(c)).toMatchObject({ status: 413, code: 'BODY_TOO_LARGE' });
    expect(
      (await fx.store.configurations.list()).some((r) =>
        ['No file', 'Extra', 'Big'].includes(r.displayName),
      ),
    ).toBe(false);
  });
});

describe('reading, changing and deleting', () => {
  let id: string;
  beforeAll(async () => {
    const res = await call('POST', BASE, {
      displayName: 'Lifecycle',
      key: { pem: rsa.export({ type: 'pkcs8', format: 'pem' }).toString() },
    });
    id = res.json().id;
  });

  it('lists and reads for read-only accounts but refuses their writes', async () => {
    const list = await call('GET', BASE, undefined, readerToken);
    expect(list.statusCode).toBe(200);
    expect(list.json().items.some((c: { id: string }) => c.id === id)).toBe(true);
    expect((await call('GET', `${BASE}/${id}`, undefined, readerToken)).statusCode).toBe(200);
    const write = await call('PATCH', `${BASE}/${id}`, { enabled: false }, readerToken);
    expect(problemOf(write)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it('patches name, lifetime and enabled, and records the change', async () => {
    const res = await call('PATCH', `${BASE}/${id}`, {
      displayName: 'Lifecycle 2',
      tokenExpiry: '12h',
      enabled: false,
    });
    expect(res.json()).toMatchObject({
      displayName: 'Lifecycle 2',
      tokenExpirySeconds: 43200,
      enabled: false,
    });
    const empty = await call('PATCH', `${BASE}/${id}`, {});
    expect(problemOf(empty).code).toBe('VALIDATION_FAILED');
    const changes = await fx.store.changes.query({ action: 'configuration.update' });
    expect(changes.items[0]).toMatchObject({ actor: 'alice', targetId: id });
  });

  it('serves the certificate, public key and JWK as downloads', async () => {
    const cert = await call('GET', `${BASE}/${id}/certificate`);
    expect(cert.statusCode).toBe(200);
    expect(cert.headers['content-disposition']).toBe('attachment; filename="Lifecycle-2.crt.pem"');
    expect(cert.body).toContain('BEGIN CERTIFICATE');
    const pub = await call('GET', `${BASE}/${id}/public-key`);
    expect(createPublicKey(pub.body).equals(createPublicKey(rsa))).toBe(true);
    const jwk = await call('GET', `${BASE}/${id}/jwk`);
    expect(jwk.headers['content-type']).toContain('application/jwk+json');
    expect(
      createPublicKey({ key: jwk.json() as JsonWebKey, format: 'jwk' }).equals(
        createPublicKey(rsa),
      ),
    ).toBe(true);
  });

  it('refuses to sign with a disabled configuration', async () => {
    const res = await call('POST', `${BASE}/${id}/signed-urls`, { path: 'apps/App.ipa' });
    expect(problemOf(res)).toMatchObject({ status: 409, code: 'CONFIGURATION_DISABLED' });
  });

  it('signs URLs in exactly the Jamf token shape with the configured lifetime', async () => {
    await call('PATCH', `${BASE}/${id}`, { enabled: true });
    const res = await call('POST', `${BASE}/${id}/signed-urls`, { path: 'apps/My App ü.ipa' });
    expect(res.statusCode).toBe(200);
    const { url, expiresAt } = res.json() as { url: string; expiresAt: string };
    expect(url.startsWith('https://dist.example.test/apps/My%20App%20%C3%BC.ipa?token=')).toBe(
      true,
    );
    const jwt = new URL(url).searchParams.get('token')!;
    const [h, p, s] = jwt.split('.') as [string, string, string];
    expect(Buffer.from(h, 'base64url').toString()).toBe('{"alg":"RS256"}');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    // Jamf's claims in Jamf's order, then the path binding (decoded, as the listener serves it).
    expect(Object.keys(payload)).toEqual(['sub', 'iss', 'exp', 'path']);
    expect(payload).toMatchObject({ sub: 'AppManifest', iss: 'JSS', path: '/apps/My App ü.ipa' });
    expect(payload.exp * 1000).toBe(Date.parse(expiresAt));
    expect(payload.exp - Date.now() / 1000).toBeGreaterThan(43200 - 120);
    expect(
      verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey(rsa), Buffer.from(s, 'base64url')),
    ).toBe(true);
    const full = await call('POST', `${BASE}/${id}/signed-urls`, {
      url: 'https://other.example/x.pkg?a=1',
    });
    expect(full.json().url).toMatch(/^https:\/\/other\.example\/x\.pkg\?a=1&token=ey/);
    const fullToken = new URL(full.json().url).searchParams.get('token')!;
    expect(JSON.parse(Buffer.from(fullToken.split('.')[1]!, 'base64url').toString()).path).toBe(
      '/x.pkg',
    );
  });

  it('refuses traversal in content paths and non-http URLs', async () => {
    for (const payload of [
      { path: '../etc/passwd' },
      { path: 'a/./b' },
      { path: 'a\\b' },
      { url: 'file:///etc/passwd' },
      { url: 'javascript:alert(1)' },
      // A token opens one file: URLs that name none the listener would serve are refused.
      { url: 'https://dist.example.test/' },
      { url: 'https://dist.example.test/apps/' },
      { url: 'https://dist.example.test/a.ipa/../b.ipa' },
      { url: 'https://dist.example.test/.env' },
      { path: '.git/config' },
    ]) {
      const res = await call('POST', `${BASE}/${id}/signed-urls`, payload);
      expect(problemOf(res).code, JSON.stringify(payload)).toBe('VALIDATION_FAILED');
    }
  });

  it('rotates the key: new fingerprint, old signatures no longer match', async () => {
    const before = (await call('GET', `${BASE}/${id}`)).json();
    const res = await call('POST', `${BASE}/${id}/rotate`, { key: { generate: { bits: 2048 } } });
    expect(res.statusCode).toBe(200);
    const after = res.json();
    expect(after.fingerprint).not.toBe(before.fingerprint);
    expect(after.rotatedAt).not.toBeNull();
    const signed = (await call('POST', `${BASE}/${id}/signed-urls`, { path: 'a.pkg' })).json();
    const [h, p, s] = new URL(signed.url).searchParams.get('token')!.split('.') as [
      string,
      string,
      string,
    ];
    expect(
      verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey(rsa), Buffer.from(s, 'base64url')),
    ).toBe(false);
    expect(
      verify(
        'sha256',
        Buffer.from(`${h}.${p}`),
        createPublicKey(after.publicKeyPem),
        Buffer.from(s, 'base64url'),
      ),
    ).toBe(true);
  });

  it('rotates to an uploaded key file (multipart) and refuses other form fields', async () => {
    const form = multipart(
      {},
      { name: 'key', content: rsa2.export({ type: 'pkcs1', format: 'pem' }) },
    );
    const res = await fx.app.inject({
      method: 'POST',
      url: `${BASE}/${id}/rotate`,
      headers: { ...bearer(token), ...form.headers },
      payload: form.payload,
    });
    bodies.push(res.body);
    expect(res.statusCode).toBe(200);
    expect(createPublicKey(res.json().publicKeyPem).equals(createPublicKey(rsa2))).toBe(true);
    const extra = multipart(
      { displayName: 'renamed' },
      { name: 'key', content: rsa.export({ type: 'pkcs1', format: 'pem' }) },
    );
    const bad = await fx.app.inject({
      method: 'POST',
      url: `${BASE}/${id}/rotate`,
      headers: { ...bearer(token), ...extra.headers },
      payload: extra.payload,
    });
    expect(problemOf(bad).code).toBe('VALIDATION_FAILED');
    expect((await fx.store.configurations.get(id))?.displayName).toBe('Lifecycle 2');
  });

  it('deletes, then answers 404 for the id', async () => {
    expect((await call('DELETE', `${BASE}/${id}`)).statusCode).toBe(204);
    expect(problemOf(await call('GET', `${BASE}/${id}`))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect(problemOf(await call('DELETE', `${BASE}/${id}`)).code).toBe('NOT_FOUND');
    expect(problemOf(await call('POST', `${BASE}/${id}/signed-urls`, { path: 'a' })).code).toBe(
      'NOT_FOUND',
    );
  });
});

describe('the signer is the only way to a configuration key', () => {
  it('mints for admins, refuses read-only and anonymous callers before touching the key', async () => {
    const created = (
      await call('POST', BASE, {
        displayName: 'Signer',
        key: { pem: rsa.export({ type: 'pkcs1', format: 'pem' }).toString() },
      })
    ).json();
    // The admin app keeps its signer to itself (no decorator hands it out), so build one over
    // the same store and secret: the capability checks under test are the signer's own.
    const signer = new ConfigurationSigner(fx.store, fx.secret, Date.now, probeRunner);
    const admin: Principal = {
      username: 'admin',
      role: 'admin',
      source: 'local',
      mustChangePassword: false,
    };
    const minter = signer.minterFor(admin);
    const signed = await minter.signUrl({
      configurationId: created.id,
      url: 'https://dist.example.test/b.epub',
      path: '/b.epub',
      purpose: 'signed-url',
    });
    expect(signed.url).toMatch(/^https:\/\/dist\.example\.test\/b\.epub\?token=/);
    const reader: Principal = { ...admin, username: 'reader', role: 'read-only' };
    expect(() => signer.minterFor(reader)).toThrow(
      expect.objectContaining({ code: 'SIGNING_FORBIDDEN' }),
    );
    expect(() => signer.minterFor(null)).toThrow(
      expect.objectContaining({ code: 'UNAUTHENTICATED' }),
    );
    await expect(
      minter.signUrl({
        configurationId: 'no-such-id',
        url: 'https://x/a',
        path: '/a',
        purpose: 'signed-url',
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // A binding the listener could never match is a programming error, not a token.
    for (const path of ['/', 'a.ipa', '/a/../b.ipa', '/.env', '/dir/']) {
      await expect(
        minter.signUrl({
          configurationId: created.id,
          url: 'https://x/a',
          path,
          purpose: 'signed-url',
        }),
        path,
      ).rejects.toThrow(TypeError);
    }
  });
});
