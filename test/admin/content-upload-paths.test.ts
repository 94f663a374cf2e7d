/**
 * Issue 10 §9: an upload through a symlinked folder is refused without creating anything
 * outside the content root first (it used to make `/outside/new/deep` and then refuse).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
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

let fx: AdminFixture;
let admin: Record<string, string>;
let root: string;
let outside: string;

const put = (path: string, body = 'bytes') =>
  fx.app.inject({
    method: 'PUT',
    url: `/api/v1/content/${path}`,
    headers: { ...admin, 'content-type': 'application/octet-stream' },
    payload: body,
  });

beforeAll(async () => {
  fx = await adminFixture();
  root = join(fx.dir, 'content');
  outside = mkdtempSync(join(tmpdir(), 'portcullis-outside-'));
  mkdirSync(join(root, 'apps'), { recursive: true });
  symlinkSync(outside, join(root, 'linkdir'));
  symlinkSync(join(outside, 'not-yet'), join(root, 'dangling'));
  symlinkSync(join(root, 'apps'), join(root, 'alias'));
  writeFileSync(join(root, 'apps', 'plain.txt'), 'a file, not a folder');
  await addAccount(fx.store, 'alice', 'admin');
  admin = bearer(await login(fx.app, 'alice'));
}, 60_000);

afterAll(async () => {
  await fx?.close();
  rmSync(outside, { recursive: true, force: true });
});

describe('uploads through symlinked folders', () => {
  it.each(['linkdir/new/deep/x.ipa', 'linkdir/x.ipa', 'dangling/new/x.ipa'])(
    'refuses %s and creates nothing outside the root',
    async (path) => {
      const res = await put(path);
      expect(problemOf(res)).toMatchObject({ status: 400, code: 'PATH_INVALID' });
      expect(readdirSync(outside)).toEqual([]);
      expect(existsSync(join(outside, 'not-yet'))).toBe(false);
      expect(await fx.store.content.get(path)).toBeUndefined();
      expect(res.body).not.toContain(outside);
    },
  );

  it('refuses a path that runs through a file', async () => {
    const res = await put('apps/plain.txt/inner/x.ipa');
    expect(problemOf(res)).toMatchObject({ status: 400, code: 'PATH_INVALID' });
  });

  it('still creates new folders inside the root, also below a symlink that stays inside', async () => {
    expect((await put('apps/new/deep/x.txt')).statusCode).toBe(201);
    expect(existsSync(join(root, 'apps', 'new', 'deep', 'x.txt'))).toBe(true);
    expect((await put('alias/more/y.txt')).statusCode).toBe(201);
    expect(existsSync(join(root, 'apps', 'more', 'y.txt'))).toBe(true);
    expect(readdirSync(outside)).toEqual([]);
  });
});
