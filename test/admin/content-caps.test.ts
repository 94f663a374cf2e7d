/**
 * Metadata from an untrusted file is capped before it is stored and again on the way out, so
 * one hostile upload cannot make the catalog list (open to read-only users), the device manifest
 * or the console megabytes long; strings are well-formed (strict JSON parsers accept them); and
 * the list pages with `limit`/`cursor`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { longStringsIpa } from '../helpers/hostile-files.mjs';
import { type AdminFixture, addAccount, adminFixture, bearer, login } from './helpers.js';

const C = '/api/v1/content';
let fx: AdminFixture;
let admin: Record<string, string>;
let reader: Record<string, string>;

const put = (path: string, body: Buffer) =>
  fx.app.inject({
    method: 'PUT',
    url: `${C}/${path}`,
    headers: { ...admin, 'content-type': 'application/octet-stream' },
    payload: body,
  });

beforeAll(async () => {
  fx = await adminFixture();
  await fx.store.settings.set('catalog.maxUploadBytes', String(8 * 1024 * 1024));
  await addAccount(fx.store, 'alice', 'admin');
  await addAccount(fx.store, 'rita', 'read-only');
  admin = bearer(await login(fx.app, 'alice'));
  reader = bearer(await login(fx.app, 'rita'));
}, 30_000);

afterAll(async () => {
  await fx?.close();
});

describe('metadata caps', () => {
  it('stores a 400,000-char id/version/title/minimum OS capped, and the list stays small', async () => {
    const res = await put('apps/Long.ipa', longStringsIpa(400_000));
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ readable: true });
    expect(created.bundleId).toBe('x'.repeat(256));
    expect(created.version).toBe('x'.repeat(256));
    expect(created.buildVersion).toBe('x'.repeat(256));
    expect(created.minimumOsVersion).toBe('x'.repeat(256));
    expect(created.title).toBe('x'.repeat(512));
    // What the store holds is capped too, not only the API's view of it.
    const [record] = await fx.store.content.list();
    expect(JSON.stringify(record?.metadata).length).toBeLessThan(4096);
    for (let i = 0; i < 5; i++)
      expect((await put(`apps/Long${i}.ipa`, longStringsIpa())).statusCode).toBe(201);
    const list = await fx.app.inject({ method: 'GET', url: C, headers: reader });
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toHaveLength(6);
    expect(list.body.length).toBeLessThan(6 * 4096);
  });

  it('answers a lone UTF-16 surrogate as U+FFFD: well-formed strings only', async () => {
    const res = await put('apps/Lone.ipa', longStringsIpa(10, { loneSurrogate: true }));
    expect(res.statusCode).toBe(201);
    expect(res.json().title).toBe('A\uFFFDB');
    const list = await fx.app.inject({ method: 'GET', url: C, headers: reader });
    // No escaped lone surrogate anywhere in the body: jq and other strict parsers accept it.
    expect(list.body).not.toMatch(/\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])/i);
    expect(list.body).toContain('A\uFFFDB');
  });
});

describe('GET /api/v1/content paging', () => {
  it('without limit answers every record as before; with it, pages in path order', async () => {
    const all = (await fx.app.inject({ method: 'GET', url: C, headers: reader })).json().items;
    const paths = all.map((i: { path: string }) => i.path);
    expect(paths).toEqual([...paths].sort());
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const q = `?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await fx.app.inject({ method: 'GET', url: `${C}${q}`, headers: reader });
      expect(res.statusCode).toBe(200);
      const items = res.json().items as { path: string }[];
      expect(items.length).toBeLessThanOrEqual(3);
      seen.push(...items.map((i) => i.path));
      cursor = res.headers['x-next-cursor'] as string | undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(paths);
    expect(pages).toBe(Math.ceil(paths.length / 3));
  });

  it('refuses a limit out of range or a malformed cursor with a field error', async () => {
    for (const q of ['?limit=0', '?limit=501', '?limit=x', '?cursor=not%20base64', '?other=1']) {
      const res = await fx.app.inject({ method: 'GET', url: `${C}${q}`, headers: reader });
      expect(res.statusCode, q).toBe(400);
      expect(res.json().code, q).toBe('VALIDATION_FAILED');
    }
  });
});
