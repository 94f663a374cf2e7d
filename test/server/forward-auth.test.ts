import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/serve.js';
import {
  makeKey,
  removeDir,
  sign,
  stableHeaders,
  startQuiet,
  type TestKey,
  tempDir,
} from './serve-helpers.js';

let dir: string;
let key: TestKey;
let server: RunningServer;
let token: string;
const auth = (headers: Record<string, string>, method = 'GET') =>
  fetch(`${server.url}/_portcullis/auth`, { method, headers });

beforeAll(async () => {
  key = makeKey();
  dir = await tempDir();
  server = await startQuiet({
    root: dir,
    keySource: {
      load: async () => [{ key: key.publicKey, kid: 'k1', label: 'cfg-1' }],
      describe: () => 'k',
    },
  });
  token = sign(key);
});

afterAll(async () => {
  await server?.close();
  await removeDir(dir);
});

describe('forward-auth /_portcullis/auth', () => {
  it('nginx auth_request: 204 for X-Original-URI with a valid token, with identity headers for logs', async () => {
    const res = await auth({ 'x-original-uri': `/apps/App.ipa?token=${token}` });
    expect(res.status).toBe(204);
    expect(res.headers.get('x-portcullis-token-fingerprint')).toMatch(/^[0-9a-f]{16}$/);
    expect(res.headers.get('x-portcullis-kid')).toBe('k1'); // kid of the key that verified
    expect(res.headers.get('x-portcullis-key-label')).toBe('cfg-1');
  });

  it('Caddy/Traefik: X-Forwarded-Uri + X-Forwarded-Method', async () => {
    expect(
      (await auth({ 'x-forwarded-uri': `/a.pkg?token=${token}`, 'x-forwarded-method': 'GET' }))
        .status,
    ).toBe(204);
    expect(
      (await auth({ 'x-forwarded-uri': `/a.pkg?token=${token}`, 'x-forwarded-method': 'HEAD' }))
        .status,
    ).toBe(204);
  });

  it('honours Bearer in the forwarded Authorization header', async () => {
    expect(
      (await auth({ 'x-original-uri': '/a.pkg', authorization: `Bearer ${token}` })).status,
    ).toBe(204);
  });

  it('answers 401 with the same body and challenge as the content route', async () => {
    const res = await auth({ 'x-original-uri': '/apps/App.ipa' });
    const direct = await fetch(`${server.url}/apps/App.ipa`);
    expect(res.status).toBe(401);
    expect(stableHeaders(res)).toEqual(stableHeaders(direct));
    expect(await res.text()).toBe(await direct.text());
    const bad = await auth({ 'x-original-uri': `/apps/App.ipa?token=${sign(makeKey())}` });
    expect(bad.status).toBe(401);
    expect((await bad.json()).code).toBe('SIGNATURE_INVALID');
  });

  it('refuses non-GET/HEAD originals and path attacks with 403 (nginx denies only on 401/403)', async () => {
    const post = await auth({
      'x-forwarded-uri': `/a.pkg?token=${token}`,
      'x-forwarded-method': 'POST',
    });
    expect(post.status).toBe(403);
    expect((await post.json()).code).toBe('METHOD_NOT_ALLOWED');
    const traversal = await auth({ 'x-original-uri': `/%2e%2e/etc/passwd?token=${token}` });
    expect(traversal.status).toBe(403);
    expect((await traversal.json()).code).toBe('PATH_REJECTED');
  });

  it('answers 400 when the front server sends no original URI', async () => {
    const res = await auth({});
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe('FORWARD_AUTH_BAD_REQUEST');
  });

  it('ignores client-supplied X-Portcullis-* headers', async () => {
    const res = await auth({
      'x-original-uri': '/a.pkg',
      'x-portcullis-token-fingerprint': 'ffffffffffffffff',
      'x-portcullis-verified': '1',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-portcullis-token-fingerprint')).toBeNull();
  });
});
