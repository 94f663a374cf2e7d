/**
 * The manifest-link API (issue 16 item 1) through inject(): an admin creates a link and sees its
 * token and URL once in the answer (and again only through the recorded `…/url`); read-only
 * callers list links without tokens and may create none (403 SIGNING_FORBIDDEN, nothing
 * recorded); revoke is immediate and recorded once; deleting the item revokes its links; every
 * hostile create input gets a coded refusal and stores nothing; the change log holds
 * fingerprints, never a token.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkTokenKey } from '../../src/store/link-token.js';
import { tokenFingerprint } from '../../src/token/node.js';
import { type Fixtures, makeFixtures } from '../catalog/fixtures.js';
import { type AdminFixture, adminFixture, problemOf } from './helpers.js';
import { type Callers, makeCallers } from './roles.js';

let fx: AdminFixture;
let files: Fixtures;
let callers: Callers;
let configId = '';
let disabledId = '';
const BASE = '/api/v1/manifest-links';

async function put(path: string, file: string, type = 'application/octet-stream') {
  const res = await fx.app.inject({
    method: 'PUT',
    url: `/api/v1/content/${path}`,
    headers: { ...callers.headers.admin, 'content-type': type },
    payload: readFileSync(files.path(file)),
  });
  expect(res.statusCode).toBe(201);
}

async function config(displayName: string, enabled = true): Promise<string> {
  const res = await fx.app.inject({
    method: 'POST',
    url: '/api/v1/jwt-configurations',
    headers: callers.headers.admin,
    payload: { displayName, enabled },
  });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

const create = (payload: unknown, caller: keyof Callers['headers'] = 'admin') =>
  fx.app.inject({
    method: 'POST',
    url: BASE,
    headers: callers.headers[caller],
    payload: payload as object,
  });

const changes = async () => (await fx.store.changes.query({ limit: 1000 })).items;

beforeAll(async () => {
  files = makeFixtures({ basic: true });
  fx = await adminFixture();
  callers = await makeCallers(fx);
  configId = await config('Links');
  disabledId = await config('Off', false);
  await put('mac/Agent.pkg', 'component.pkg');
  await put('ios/App ü.ipa', 'app-binary.ipa');
  await put('books/guide.pdf', 'guide.pdf', 'application/pdf');
}, 60_000);

afterAll(async () => {
  await fx?.close();
  files?.cleanup();
});

describe('POST /api/v1/manifest-links', () => {
  it('answers the token and manifest URL once, records a fingerprint, never the token', async () => {
    const before = Date.now();
    const res = await create({
      path: 'ios/App ü.ipa',
      configurationId: configId,
      label: 'DDM: Sales',
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toMatchObject({
      path: 'ios/App ü.ipa',
      configurationId: configId,
      label: 'DDM: Sales',
      status: 'active',
      createdBy: 'alice',
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(body.token).toMatch(/^pml_[A-Za-z0-9_-]{64}$/);
    expect(body.manifestUrl).toBe(
      `https://dist.example.test/_portcullis/manifest/ios/App%20%C3%BC.ipa.plist?token=${body.token}`,
    );
    expect(res.headers.location).toBe(`${BASE}/${body.id}`);
    // Default lifetime: one year.
    const life = Date.parse(body.expiresAt) - before;
    expect(life).toBeGreaterThanOrEqual(365 * 86_400_000 - 5000);
    expect(life).toBeLessThanOrEqual(365 * 86_400_000 + 5000);
    expect(body.fingerprint).toBe(tokenFingerprint(body.token));
    // The token is the store's: derived from the id with the store secret.
    expect(linkTokenKey(fx.secret).idOf(body.token)).toBe(body.id);
    const log = await changes();
    const row = log.find((c) => c.action === 'manifest-link.create' && c.targetId === body.id);
    expect(row).toMatchObject({
      actor: 'alice',
      targetType: 'manifest-link',
      details: { path: 'ios/App ü.ipa', configurationId: configId, fingerprint: body.fingerprint },
    });
    expect(JSON.stringify(log)).not.toContain(body.token);
  });

  it('takes a lifetime in days up to two years', async () => {
    const res = await create({
      path: 'mac/Agent.pkg',
      configurationId: configId,
      label: 'Two years',
      expiresInDays: 730,
    });
    expect(res.statusCode).toBe(201);
    expect(Date.parse(res.json().expiresAt) - Date.now()).toBeGreaterThan(729 * 86_400_000);
  });

  it('refuses read-only callers before validation and records nothing', async () => {
    const n = (await changes()).length;
    const links = (await fx.store.manifestLinks.list()).length;
    for (const caller of ['read-only', 'external read-only'] as const) {
      const res = await create(
        { path: 'mac/Agent.pkg', configurationId: configId, label: 'x' },
        caller,
      );
      expect(problemOf(res)).toMatchObject({ status: 403, code: 'SIGNING_FORBIDDEN' });
      const empty = await create({}, caller);
      expect(problemOf(empty)).toMatchObject({ status: 403, code: 'SIGNING_FORBIDDEN' });
    }
    expect(problemOf(await create({}, 'anonymous'))).toMatchObject({ status: 401 });
    expect((await changes()).length).toBe(n);
    expect((await fx.store.manifestLinks.list()).length).toBe(links);
  });

  const ok = { path: 'mac/Agent.pkg', configurationId: '', label: 'ok' };
  const hostile: Array<[string, () => unknown, number, string]> = [
    [
      'a 10 000-character label',
      () => ({ ...ok, configurationId: configId, label: 'x'.repeat(10_000) }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a label with a control character',
      () => ({ ...ok, configurationId: configId, label: 'a\u0000b' }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a label with a bidi override',
      () => ({ ...ok, configurationId: configId, label: 'a\u202eb' }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a blank label',
      () => ({ ...ok, configurationId: configId, label: '   ' }),
      400,
      'VALIDATION_FAILED',
    ],
    ['no label', () => ({ path: ok.path, configurationId: configId }), 400, 'VALIDATION_FAILED'],
    [
      '731 days',
      () => ({ ...ok, configurationId: configId, expiresInDays: 731 }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      '0 days',
      () => ({ ...ok, configurationId: configId, expiresInDays: 0 }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      '1.5 days',
      () => ({ ...ok, configurationId: configId, expiresInDays: 1.5 }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'days as a string',
      () => ({ ...ok, configurationId: configId, expiresInDays: '365' }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      '1e308 days',
      () => ({ ...ok, configurationId: configId, expiresInDays: 1e308 }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a 5000-character path',
      () => ({ ...ok, configurationId: configId, path: 'a/'.repeat(2500) }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'an unknown field',
      () => ({ ...ok, configurationId: configId, token: 'pml_x' }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'a prototype key',
      () =>
        JSON.parse(
          `{"__proto__":{"x":1},"path":"mac/Agent.pkg","configurationId":"${configId}","label":"p"}`,
        ),
      400,
      'MALFORMED_JSON',
    ],
    ['an array', () => [ok], 400, 'VALIDATION_FAILED'],
    [
      'a missing item',
      () => ({ ...ok, configurationId: configId, path: 'mac/Nothing.pkg' }),
      404,
      'CONTENT_NOT_FOUND',
    ],
    [
      'a traversal path',
      () => ({ ...ok, configurationId: configId, path: '../mac/Agent.pkg' }),
      404,
      'CONTENT_NOT_FOUND',
    ],
    [
      'a leading slash',
      () => ({ ...ok, configurationId: configId, path: '/mac/Agent.pkg' }),
      404,
      'CONTENT_NOT_FOUND',
    ],
    [
      'a book (no manifest)',
      () => ({ ...ok, configurationId: configId, path: 'books/guide.pdf' }),
      409,
      'COMMAND_NOT_APPLICABLE',
    ],
    [
      'an unknown configuration',
      () => ({ ...ok, configurationId: '00000000-0000-0000-0000-000000000000' }),
      404,
      'NOT_FOUND',
    ],
    [
      'a disabled configuration',
      () => ({ ...ok, configurationId: disabledId }),
      409,
      'CONFIGURATION_DISABLED',
    ],
  ];
  for (const [name, payload, status, code] of hostile) {
    it(`refuses ${name} (${status} ${code}) and stores nothing`, async () => {
      const links = (await fx.store.manifestLinks.list()).length;
      const res = await create(payload());
      expect(problemOf(res)).toMatchObject({ status, code });
      expect(res.body).not.toMatch(/pml_[A-Za-z0-9_-]{20}/);
      expect((await fx.store.manifestLinks.list()).length).toBe(links);
    });
  }

  it('refuses a 2 MiB body (413) before reading it as JSON', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: BASE,
      headers: { ...callers.headers.admin, 'content-type': 'application/json' },
      payload: JSON.stringify({
        ...ok,
        configurationId: configId,
        label: 'x'.repeat(2 * 1024 * 1024),
      }),
    });
    expect(problemOf(res)).toMatchObject({ status: 413, code: 'BODY_TOO_LARGE' });
  });

  it('caps the active links of one item (MANIFEST_LINK_LIMIT); revoking makes room', async () => {
    await put('mac/Capped.pkg', 'component.pkg');
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const res = await create({
        path: 'mac/Capped.pkg',
        configurationId: configId,
        label: `n${i}`,
      });
      expect(res.statusCode).toBe(201);
      ids.push(res.json().id);
    }
    const over = await create({ path: 'mac/Capped.pkg', configurationId: configId, label: 'over' });
    expect(problemOf(over)).toMatchObject({ status: 409, code: 'MANIFEST_LINK_LIMIT' });
    await fx.app.inject({
      method: 'DELETE',
      url: `${BASE}/${ids[0]}`,
      headers: callers.headers.admin,
    });
    const room = await create({ path: 'mac/Capped.pkg', configurationId: configId, label: 'room' });
    expect(room.statusCode).toBe(201);
  }, 60_000);
});

describe('listing, reading, showing again and revoking', () => {
  let id = '';
  let token = '';
  beforeAll(async () => {
    const res = await create({ path: 'mac/Agent.pkg', configurationId: configId, label: 'Fleet' });
    ({ id, token } = res.json());
  });

  it('lists and reads links for read-only callers, never with a token', async () => {
    for (const caller of ['read-only', 'external read-only', 'admin'] as const) {
      const list = await fx.app.inject({
        method: 'GET',
        url: `${BASE}?path=${encodeURIComponent('mac/Agent.pkg')}`,
        headers: callers.headers[caller],
      });
      expect(list.statusCode).toBe(200);
      const items = list.json().items as Array<Record<string, unknown>>;
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((l) => l.path === 'mac/Agent.pkg')).toBe(true);
      expect(items.find((l) => l.id === id)).toMatchObject({ label: 'Fleet', status: 'active' });
      expect(list.body).not.toContain('pml_');
      const one = await fx.app.inject({
        method: 'GET',
        url: `${BASE}/${id}`,
        headers: callers.headers[caller],
      });
      expect(one.json()).toMatchObject({ id, label: 'Fleet' });
      expect(one.body).not.toContain(token);
    }
  });

  it('shows the URL again to admins only, recording each time', async () => {
    const ro = await fx.app.inject({
      method: 'POST',
      url: `${BASE}/${id}/url`,
      headers: callers.headers['read-only'],
    });
    expect(problemOf(ro)).toMatchObject({ status: 403, code: 'SIGNING_FORBIDDEN' });
    const res = await fx.app.inject({
      method: 'POST',
      url: `${BASE}/${id}/url`,
      headers: callers.headers.admin,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, token });
    expect(res.json().manifestUrl).toContain(`token=${token}`);
    const reveals = (await changes()).filter(
      (c) => c.action === 'manifest-link.reveal' && c.targetId === id,
    );
    expect(reveals).toHaveLength(1);
    expect(JSON.stringify(reveals)).not.toContain(token);
  });

  it('revokes once: read-only may not, a second revoke changes nothing, the URL is not shown again', async () => {
    const ro = await fx.app.inject({
      method: 'DELETE',
      url: `${BASE}/${id}`,
      headers: callers.headers['read-only'],
    });
    expect(problemOf(ro)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const first = await fx.app.inject({
      method: 'DELETE',
      url: `${BASE}/${id}`,
      headers: callers.headers.admin,
    });
    expect(first.json()).toMatchObject({ id, status: 'revoked', revokedBy: 'alice' });
    const second = await fx.app.inject({
      method: 'DELETE',
      url: `${BASE}/${id}`,
      headers: callers.headers.admin,
    });
    expect(second.json().revokedAt).toBe(first.json().revokedAt);
    const revokes = (await changes()).filter(
      (c) => c.action === 'manifest-link.revoke' && c.targetId === id,
    );
    expect(revokes).toHaveLength(1);
    const url = await fx.app.inject({
      method: 'POST',
      url: `${BASE}/${id}/url`,
      headers: callers.headers.admin,
    });
    expect(problemOf(url)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const missing = await fx.app.inject({
      method: 'DELETE',
      url: `${BASE}/00000000-0000-0000-0000-000000000000`,
      headers: callers.headers.admin,
    });
    expect(problemOf(missing)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('revokes every link of an item deleted through the API', async () => {
    await put('mac/Gone.pkg', 'component.pkg');
    const a = (
      await create({ path: 'mac/Gone.pkg', configurationId: configId, label: 'a' })
    ).json();
    const del = await fx.app.inject({
      method: 'DELETE',
      url: '/api/v1/content/mac/Gone.pkg',
      headers: callers.headers.admin,
    });
    expect(del.statusCode).toBe(204);
    expect(await fx.store.manifestLinks.get(a.id)).toMatchObject({ revokedBy: 'alice' });
    const row = (await changes()).find(
      (c) => c.action === 'content.delete' && c.targetId === 'mac/Gone.pkg',
    );
    expect(row?.details).toEqual({ revokedLinks: 1 });
  });
});
