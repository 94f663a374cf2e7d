/**
 * The Worker serving from an R2 bucket binding (miniflare's local R2, the same API as the
 * platform's): the object key is the checked path, Range and validators are answered by R2, and
 * the refusals are the listener's.
 */
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveRefusal, tokenRefusal } from '../../src/server/respond.js';
import { buildBundle, FILE, jamfToken, keyFile, startWorker, tempDir } from './helpers.js';

const dir = tempDir();
const trusted = keyFile(dir, 'jamf.pem');
let mf: Miniflare;

beforeAll(async () => {
  const built = await buildBundle('cloudflare', { key: [trusted.path], r2Bucket: 'CONTENT' });
  mf = await startWorker(built.bundle, { r2Buckets: ['CONTENT'] });
  const bucket = await r2();
  await bucket.put('apps/My App.ipa', FILE, {
    httpMetadata: { contentType: 'application/octet-stream' },
  });
});
afterAll(async () => {
  await mf?.dispose();
});

/** miniflare's R2 handle (typed by workers-types, which this project does not install). */
async function r2(): Promise<{
  put(key: string, value: unknown, opts?: unknown): Promise<unknown>;
}> {
  return (await mf.getR2Bucket('CONTENT')) as unknown as {
    put(key: string, value: unknown, opts?: unknown): Promise<unknown>;
  };
}

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  mf.dispatchFetch(`https://dp.example${path}`, { headers, method });

describe('Worker with an R2 bucket', () => {
  it('serves the object for a valid token, refuses without one', async () => {
    const ok = await get(`/apps/My%20App.ipa?token=${jamfToken(trusted.privateKey)}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toMatch(/^"/);
    expect(ok.headers.get('content-length')).toBe(String(FILE.length));
    expect(Buffer.from(await ok.arrayBuffer())).toEqual(FILE);
    const refused = await get('/apps/My%20App.ipa');
    expect(refused.status).toBe(401);
    expect(await refused.text()).toBe(tokenRefusal('TOKEN_MISSING').body.toString());
  });

  it('answers Range with 206 and Content-Range, and a range beyond the end with the listener 416', async () => {
    const token = jamfToken(trusted.privateKey);
    const part = await get(`/apps/My%20App.ipa?token=${token}`, { range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${FILE.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(FILE.subarray(100, 200));
    const suffix = await get(`/apps/My%20App.ipa?token=${token}`, { range: 'bytes=-10' });
    expect(suffix.status).toBe(206);
    expect(Buffer.from(await suffix.arrayBuffer())).toEqual(FILE.subarray(FILE.length - 10));
    const beyond = await get(`/apps/My%20App.ipa?token=${token}`, { range: 'bytes=999999-' });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${FILE.length}`);
    expect(await beyond.text()).toBe(serveRefusal('RANGE_NOT_SATISFIABLE').body.toString());
  });

  it('revalidates with If-None-Match (304), fails If-Match with the listener 412, honours If-Range', async () => {
    const token = jamfToken(trusted.privateKey);
    const first = await get(`/apps/My%20App.ipa?token=${token}`, {}, 'HEAD');
    const etag = first.headers.get('etag')!;
    expect(await first.text()).toBe('');
    const same = await get(`/apps/My%20App.ipa?token=${token}`, { 'if-none-match': etag });
    expect(same.status).toBe(304);
    const changed = await get(`/apps/My%20App.ipa?token=${token}`, { 'if-match': '"other"' });
    expect(changed.status).toBe(412);
    expect(await changed.text()).toBe(serveRefusal('PRECONDITION_FAILED').body.toString());
    const stale = await get(`/apps/My%20App.ipa?token=${token}`, {
      range: 'bytes=0-9',
      'if-range': '"old"',
    });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();
    const current = await get(`/apps/My%20App.ipa?token=${token}`, {
      range: 'bytes=0-9',
      'if-range': etag,
    });
    expect(current.status).toBe(206);
    await current.arrayBuffer();
  });

  it('types by name like the listener: active content as an attachment, unknown never guessed', async () => {
    const bucket = await r2();
    await bucket.put(
      'apps/manifest.plist',
      '<html xmlns="http://www.w3.org/1999/xhtml"><script/></html>',
    );
    await bucket.put('apps/page.html', '<script>alert(1)</script>', {
      httpMetadata: { contentType: 'text/html' },
    });
    const html = await get(`/apps/page.html?token=${jamfToken(trusted.privateKey)}`);
    expect(html.headers.get('content-type')).toBe('application/octet-stream');
    await html.arrayBuffer();
    const res = await get(`/apps/manifest.plist?token=${jamfToken(trusted.privateKey)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xml');
    expect(res.headers.get('content-disposition')).toBe('attachment');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    await res.arrayBuffer();
  });

  it('a missing object is the listener 404, only after the token', async () => {
    const missing = await get(`/apps/Nope.ipa?token=${jamfToken(trusted.privateKey)}`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe(serveRefusal('NOT_FOUND').body.toString());
    const noToken = await get('/apps/Nope.ipa');
    expect(noToken.status).toBe(401);
  });
});
