// `--delivery redirect` and `cloudfront`: after the token verifies, 302 to a link the store (or
// CloudFront) checks by itself. Every presigned link is re-signed by aws4 (s3rver checks no
// signature), its expiry is checked against s3rver, and the bytes through Portcullis are counted.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import { S3RVER_CREDENTIALS } from '../helpers/s3rver.js';
import { recomputeSignature } from '../storage/sigv4.js';
import { type BucketFixture, bucketFixture, startBucketServer } from './bucket-helpers.js';
import { sign } from './serve-helpers.js';

const BIG = Buffer.alloc(10 * 1024 * 1024, 1);
let f: BucketFixture;
let server: RunningServer;
let graceful: RunningServer;

beforeAll(async () => {
  f = await bucketFixture({
    'apps/Über App.ipa': 'app bytes',
    'big.pkg': BIG,
    'manifest.plist': '<plist/>',
  });
  server = await startBucketServer(f, 'redirect');
  graceful = await startBucketServer(f, 'redirect', { resumeGrace: '1h', deliveryMinRate: '1KiB' });
});
afterAll(async () => {
  await server?.close();
  await graceful?.close();
  await f?.s3.stop();
});

/** GET without following redirects; resolves with status, headers and how many bytes came. */
function rawGet(url: string, method = 'GET', headers: Record<string, string> = {}) {
  return new Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    bytes: number;
    socketBytes: number;
  }>((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => {
        bytes += d.length;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          bytes,
          socketBytes: req.socket?.bytesRead ?? 0,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const expiresOf = (link: string) => Number(new URL(link).searchParams.get('X-Amz-Expires'));

describe('redirect delivery', () => {
  it('answers 302 to a presigned link that aws4 re-signs identically, with no Jamf token in it', async () => {
    const token = sign(f.key);
    const res = await rawGet(`${server.url}/apps/%C3%9Cber%20App.ipa?token=${token}`);
    expect(res.status).toBe(302);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-length']).toBe('0');
    const link = res.headers.location as string;
    expect(link.startsWith(`${f.s3.endpoint}/content/jamf/apps/%C3%9Cber%20App.ipa?`)).toBe(true);
    for (const part of token.split('.')) expect(link).not.toContain(part);
    expect(link).not.toMatch(/token=/i);
    const { inUrl, recomputed } = recomputeSignature(link, 'GET', S3RVER_CREDENTIALS, f.s3.region);
    expect(recomputed).toBe(inUrl);
    const q = new URL(link).searchParams;
    expect(q.get('response-content-disposition')).toBe(
      `attachment; filename="_ber App.ipa"; filename*=UTF-8''%C3%9Cber%20App.ipa`,
    );
    const fetched = await fetch(link);
    expect(fetched.status).toBe(200);
    expect(await fetched.text()).toBe('app bytes');
    expect(fetched.headers.get('content-disposition')).toContain(
      "filename*=UTF-8''%C3%9Cber%20App.ipa",
    );
  });

  it("a link lives the token's remaining time, at least a minute, at most 7 days", async () => {
    const now = Math.floor(Date.now() / 1000);
    const short = await rawGet(
      `${server.url}/apps/%C3%9Cber%20App.ipa?token=${sign(f.key, { expiresIn: 30 })}`,
    );
    // Reuse windows round up by at most 60 s.
    expect(expiresOf(short.headers.location as string)).toBeGreaterThanOrEqual(60);
    expect(expiresOf(short.headers.location as string)).toBeLessThanOrEqual(180);
    const hour = await rawGet(
      `${server.url}/apps/%C3%9Cber%20App.ipa?token=${sign(f.key, { expiresIn: 3600 })}`,
    );
    const life = expiresOf(hour.headers.location as string);
    expect(life).toBeGreaterThanOrEqual(3600 - 5);
    // Reused links round the lifetime up by at most a window or an eighth (src/storage/link-cache.ts).
    expect(life).toBeLessThanOrEqual(Math.ceil((3600 + 120) * 1.125));
    const year = await rawGet(
      `${server.url}/apps/%C3%9Cber%20App.ipa?token=${sign(f.key, { expiresIn: 365 * 86400, now })}`,
    );
    expect(expiresOf(year.headers.location as string)).toBe(7 * 86400);
  });

  it('covers the resume grace and the size at the minimum rate', async () => {
    // 10 MiB at 1 KiB/s is 10240 s; a 15-minute token plus 1 h grace is 4500 s.
    const big = await rawGet(`${graceful.url}/big.pkg?token=${sign(f.key, { expiresIn: 900 })}`);
    expect(expiresOf(big.headers.location as string)).toBeGreaterThanOrEqual(10240);
    const small = await rawGet(
      `${graceful.url}/manifest.plist?token=${sign(f.key, { expiresIn: 900 })}`,
    );
    expect(expiresOf(small.headers.location as string)).toBeGreaterThanOrEqual(4500 - 5);
    expect(expiresOf(small.headers.location as string)).toBeLessThan(10240);
  });

  it('HEAD gets a HEAD-signed link', async () => {
    const res = await rawGet(`${server.url}/big.pkg?token=${sign(f.key)}`, 'HEAD');
    expect(res.status).toBe(302);
    const link = res.headers.location as string;
    const { inUrl, recomputed } = recomputeSignature(link, 'HEAD', S3RVER_CREDENTIALS, f.s3.region);
    expect(recomputed).toBe(inUrl);
    const head = await fetch(link, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(BIG.length));
  });

  it('no content byte passes through Portcullis, and the link serves Range itself', async () => {
    const res = await rawGet(`${server.url}/big.pkg?token=${sign(f.key)}`);
    expect(res.status).toBe(302);
    expect(res.bytes).toBe(0);
    // The whole answer on the wire is headers only (under 2 KiB) for a 10 MiB object.
    expect(res.socketBytes).toBeLessThan(2048);
    const part = await fetch(res.headers.location as string, { headers: { range: 'bytes=0-9' } });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(10);
  });

  it('answers 404 for a missing object once the token verified (one HeadObject, then remembered)', async () => {
    await f.s3.resetRequests();
    for (let i = 0; i < 3; i++) {
      const res = await rawGet(`${server.url}/missing.pkg?token=${sign(f.key)}`);
      expect(res.status).toBe(404);
    }
    const seen = await f.s3.requests();
    expect(seen.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('a found object costs one HeadObject per 30 s per process, not one per download', async () => {
    await f.s3.resetRequests();
    for (let i = 0; i < 5; i++) {
      expect((await rawGet(`${server.url}/manifest.plist?token=${sign(f.key)}`)).status).toBe(302);
    }
    expect((await f.s3.requests()).length).toBeLessThanOrEqual(1);
  });
});

describe('cloudfront delivery', () => {
  let dir: string;
  let cf: RunningServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-cf-serve-'));
    execFileSync('openssl', ['genrsa', '-out', join(dir, 'cf.pem'), '2048'], { stdio: 'ignore' });
    execFileSync(
      'openssl',
      ['rsa', '-in', join(dir, 'cf.pem'), '-pubout', '-out', join(dir, 'cf.pub')],
      {
        stdio: 'ignore',
      },
    );
    cf = await startBucketServer(f, 'redirect', {
      delivery: 'cloudfront',
      cloudfrontDomain: 'd111111abcdef8.cloudfront.net',
      cloudfrontKeyPairId: 'K2JCJMDEHXQW5F',
      cloudfrontPrivateKeyFile: join(dir, 'cf.pem'),
    });
  });
  afterAll(async () => {
    await cf?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('302s to a CloudFront link for the object key whose policy openssl verifies', async () => {
    const token = sign(f.key, { expiresIn: 3600 });
    const res = await rawGet(`${cf.url}/apps/%C3%9Cber%20App.ipa?token=${token}`);
    expect(res.status).toBe(302);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const link = new URL(res.headers.location as string);
    expect(link.origin).toBe('https://d111111abcdef8.cloudfront.net');
    expect(link.pathname).toBe('/jamf/apps/%C3%9Cber%20App.ipa');
    expect(link.href).not.toContain(token.split('.')[2]!);
    const expires = Number(link.searchParams.get('Expires'));
    expect(expires - Date.now() / 1000).toBeGreaterThan(3500);
    const signature = link.searchParams.get('Signature')!;
    for (const p of ['Expires', 'Signature', 'Key-Pair-Id']) link.searchParams.delete(p);
    const policy = `{"Statement":[{"Resource":"${link.href}","Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'policy'), policy);
    await writeFile(
      join(dir, 'sig'),
      Buffer.from(signature.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64'),
    );
    const out = execFileSync(
      'openssl',
      [
        'dgst',
        '-sha1',
        '-verify',
        join(dir, 'cf.pub'),
        '-signature',
        join(dir, 'sig'),
        join(dir, 'policy'),
      ],
      { encoding: 'utf8' },
    );
    expect(out).toContain('Verified OK');
  });
});
