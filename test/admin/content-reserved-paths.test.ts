/**
 * Issue 12: the catalog refuses to store anything under the content listener's reserved prefix
 * `/_portcullis/` (any letter case, any percent-encoding), because the listener never serves a
 * file there. Raw PUT, multipart POST (path field and bare file name) and rescan of a folder
 * dropped into the root, through inject() with a real SQLite store and a real content root.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdminFixture,
  addAccount,
  adminFixture,
  bearer,
  login,
  problemOf,
} from './helpers.js';

const C = '/api/v1/content';
let fx: AdminFixture;
let admin: Record<string, string>;
let root: string;

const put = (path: string) =>
  fx.app.inject({
    method: 'PUT',
    url: `${C}/${path}`,
    headers: { ...admin, 'content-type': 'application/octet-stream' },
    payload: 'bytes',
  });

function multipart(fields: { path?: string; filename: string }) {
  const boundary = '----reserved';
  const parts = [
    fields.path === undefined
      ? ''
      : `--${boundary}\r\nContent-Disposition: form-data; name="path"\r\n\r\n${fields.path}\r\n`,
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fields.filename}"\r\nContent-Type: application/octet-stream\r\n\r\nbytes\r\n--${boundary}--\r\n`,
  ];
  return fx.app.inject({
    method: 'POST',
    url: C,
    headers: { ...admin, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: parts.join(''),
  });
}

/** Nothing was written anywhere under the root (a refused upload leaves no folder behind). */
function rootHasNoReservedEntry(): boolean {
  return (
    !existsSync(root) ||
    readdirSync(root).every((n) => n.toUpperCase().toLowerCase() !== '_portcullis')
  );
}

beforeAll(async () => {
  fx = await adminFixture();
  root = join(fx.dir, 'content');
  await addAccount(fx.store, 'alice', 'admin');
  admin = bearer(await login(fx.app, 'alice'));
}, 60_000);
afterAll(async () => {
  await fx?.close();
});

describe('content paths under the reserved /_portcullis/ prefix', () => {
  it.each([
    '_portcullis/x.ipa',
    '_PORTCULLIS/x.ipa',
    '_PortCullis/manifest/App.ipa.plist',
    '%5Fportcullis/x.ipa',
    '%5fPORTCULLIS/healthz',
    '_portcullis%2Fx.ipa',
    '_portculli%C5%BF/x.ipa',
    '_portcullis',
    '_Portcullis',
  ])('PUT %s is refused with PATH_INVALID and writes nothing', async (path) => {
    const res = await put(path);
    expect(problemOf(res)).toMatchObject({ status: 400, code: 'PATH_INVALID' });
    expect(rootHasNoReservedEntry()).toBe(true);
    expect((await fx.store.content.list()).map((r) => r.path)).toEqual([]);
  });

  it('says why in the detail, without echoing a filesystem path', async () => {
    const res = await put('_portcullis/x.ipa');
    expect(res.json().detail).toContain('/_portcullis/ is reserved');
    expect(res.body).not.toContain(root);
  });

  it.each([
    { path: '_portcullis/a.pdf', filename: 'a.pdf' },
    { path: '/_Portcullis/a.pdf', filename: 'a.pdf' },
    { filename: '_portcullis' },
  ])('multipart POST $path $filename is refused with PATH_INVALID', async (fields) => {
    const res = await multipart(fields);
    expect(problemOf(res)).toMatchObject({ status: 400, code: 'PATH_INVALID' });
    expect(rootHasNoReservedEntry()).toBe(true);
  });

  it('still accepts the same name below the top level and look-alikes beside it', async () => {
    for (const path of ['apps/_portcullis/x.pdf', '_portcullis-old/x.pdf', 'portcullis/x.pdf']) {
      expect((await put(path)).statusCode, path).toBe(201);
    }
  });

  it('a _portcullis folder dropped into the root is never catalogued by a rescan', async () => {
    mkdirSync(join(root, '_Portcullis'), { recursive: true });
    writeFileSync(join(root, '_Portcullis', 'dropped.pdf'), 'bytes');
    const res = await fx.app.inject({ method: 'POST', url: `${C}/rescan`, headers: admin });
    expect(res.statusCode).toBe(200);
    const paths = (await fx.store.content.list()).map((r) => r.path);
    expect(paths.some((p) => p.toLowerCase().startsWith('_portcullis/'))).toBe(false);
  });
});
