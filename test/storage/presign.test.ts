// Presigned links (redirect delivery) against s3rver, with every signature recomputed by aws4.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContentLinkRequest } from '../../src/contracts/content-link.js';
import { reuseSignedLinks } from '../../src/storage/link-cache.js';
import { openS3Storage } from '../../src/storage/open.js';
import { contentDisposition, createPresigner } from '../../src/storage/s3/presign.js';
import type { S3ContentStorage } from '../../src/storage/s3/storage.js';
import { S3RVER_CREDENTIALS, startS3rver, type TestS3 } from '../helpers/s3rver.js';
import { recomputeSignature } from './sigv4.js';

let s3: TestS3;
let storage: S3ContentStorage;

async function* bytes(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

const linkFor = (path: string, over: Partial<ContentLinkRequest> = {}): ContentLinkRequest => ({
  path,
  method: 'GET',
  expiresInSeconds: 900,
  fileName: path.slice(path.lastIndexOf('/') + 1),
  contentType: 'application/octet-stream',
  issuedAt: Date.now(),
  ...over,
});

beforeAll(async () => {
  s3 = await startS3rver();
  storage = await openS3Storage(
    { kind: 's3', bucket: s3.bucket, prefix: 'jamf' },
    {
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: async () => ({ ...S3RVER_CREDENTIALS }),
    },
  );
  for (const name of ['apps/Über App (1).ipa', 'a+b=c&d.pkg', "it's.pdf"]) {
    await storage.put(name, bytes(`bytes of ${name}`));
  }
});
afterAll(() => s3.stop());

describe('S3 presigned links', () => {
  it.each(['apps/Über App (1).ipa', 'a+b=c&d.pkg', "it's.pdf"])(
    '%s: aws4 recomputes the same signature, and the link fetches the object',
    async (path) => {
      const url = await createPresigner(storage).sign(linkFor(path));
      const { inUrl, recomputed } = recomputeSignature(url, 'GET', S3RVER_CREDENTIALS, s3.region);
      expect(inUrl).toMatch(/^[0-9a-f]{64}$/);
      expect(recomputed).toBe(inUrl);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(`bytes of ${path}`);
      expect(res.headers.get('content-disposition')).toBe(
        contentDisposition(path.split('/').pop()!),
      );
    },
  );

  it('a tampered link no longer matches its signature (the check can fail)', async () => {
    const url = await createPresigner(storage).sign(linkFor('a+b=c&d.pkg'));
    const tampered = url.replace('a%2Bb', 'a%2Bc');
    const { inUrl, recomputed } = recomputeSignature(
      tampered,
      'GET',
      S3RVER_CREDENTIALS,
      s3.region,
    );
    expect(recomputed).not.toBe(inUrl);
    const longer = url.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=604800');
    const again = recomputeSignature(longer, 'GET', S3RVER_CREDENTIALS, s3.region);
    expect(again.recomputed).not.toBe(again.inUrl);
  });

  it('carries the lifetime asked for, the Jamf-free query, and expires at s3rver', async () => {
    const issuedAt = Date.now() - 20_000;
    const url = await createPresigner(storage).sign(
      linkFor("it's.pdf", { expiresInSeconds: 10, issuedAt }),
    );
    const q = new URL(url).searchParams;
    expect(q.get('X-Amz-Expires')).toBe('10');
    expect(q.get('X-Amz-Credential')).toMatch(/^S3RVER\//);
    expect([...q.keys()].sort()).toEqual(
      [
        'X-Amz-Algorithm',
        'X-Amz-Content-Sha256',
        'X-Amz-Credential',
        'X-Amz-Date',
        'X-Amz-Expires',
        'X-Amz-Signature',
        'X-Amz-SignedHeaders',
        'response-cache-control',
        'response-content-disposition',
        'response-content-type',
        'x-id',
      ].sort(),
    );
    // Issued 20 s ago for 10 s: s3rver refuses it as expired.
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('expired');
  });

  it('caps a lifetime at 7 days (the SigV4 limit)', async () => {
    const url = await createPresigner(storage).sign(
      linkFor("it's.pdf", { expiresInSeconds: 30 * 86400 }),
    );
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('604800');
  });

  it('a HEAD link is signed for HEAD (a GET link would not match on S3)', async () => {
    const url = await createPresigner(storage).sign(linkFor("it's.pdf", { method: 'HEAD' }));
    const { inUrl, recomputed } = recomputeSignature(url, 'HEAD', S3RVER_CREDENTIALS, s3.region);
    expect(recomputed).toBe(inUrl);
    expect(recomputeSignature(url, 'GET', S3RVER_CREDENTIALS, s3.region).recomputed).not.toBe(
      inUrl,
    );
    const res = await fetch(url, { method: 'HEAD' });
    expect(res.status).toBe(200);
  });
});

describe('reused links', () => {
  it('hands out one link per object and window, covering what each request needs', async () => {
    let made = 0;
    const base = createPresigner(storage);
    const counting = {
      ...base,
      sign: (r: ContentLinkRequest) => {
        made++;
        return base.sign(r);
      },
    };
    const signer = reuseSignedLinks(counting, { windowSeconds: 60 });
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 + 1_000;
    const a = await signer.sign(linkFor("it's.pdf", { issuedAt: t0, expiresInSeconds: 300 }));
    const b = await signer.sign(
      linkFor("it's.pdf", { issuedAt: t0 + 30_000, expiresInSeconds: 290 }),
    );
    expect(b).toBe(a);
    expect(made).toBe(1);
    // Once made, a link comes back as a value: the redirect answers without a promise.
    expect(signer.sign(linkFor("it's.pdf", { issuedAt: t0 + 40_000, expiresInSeconds: 280 }))).toBe(
      a,
    );
    const q = new URL(a).searchParams;
    const starts = Date.parse(
      q.get('X-Amz-Date')!.replace(/(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z/, '$1-$2-$3T$4:$5:$6Z'),
    );
    const ends = starts + Number(q.get('X-Amz-Expires')) * 1000;
    // Covers both requests' needs, and at most one window more.
    expect(ends).toBeGreaterThanOrEqual(t0 + 30_000 + 290_000);
    expect(ends - (t0 + 300_000)).toBeLessThanOrEqual(60_000);
    // Another method, another object or a longer need: another link.
    await signer.sign(linkFor("it's.pdf", { issuedAt: t0, method: 'HEAD' }));
    await signer.sign(linkFor('a+b=c&d.pkg', { issuedAt: t0 }));
    await signer.sign(linkFor("it's.pdf", { issuedAt: t0, expiresInSeconds: 3600 }));
    expect(made).toBe(4);
    // The next window: a fresh link.
    await signer.sign(linkFor("it's.pdf", { issuedAt: t0 + 60_000, expiresInSeconds: 300 }));
    expect(made).toBe(5);
    expect(recomputeSignature(a, 'GET', S3RVER_CREDENTIALS, s3.region).recomputed).toBe(
      q.get('X-Amz-Signature'),
    );
  });

  it("signs a handful of links for a fleet whose tokens expire at many times, each covering its request's need", async () => {
    let made = 0;
    const base = createPresigner(storage);
    const signer = reuseSignedLinks(
      {
        ...base,
        sign: (r: ContentLinkRequest) => {
          made++;
          return base.sign(r);
        },
      },
      { windowSeconds: 60 },
    );
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 + 1_000;
    // 240 devices in one minute, their tokens expiring over four hours (6 h to 10 h from now).
    for (let i = 0; i < 240; i++) {
      const need = 6 * 3600 + i * 60;
      const link = await signer.sign(
        linkFor("it's.pdf", { issuedAt: t0 + (i % 59) * 1000, expiresInSeconds: need }),
      );
      const q = new URL(link).searchParams;
      const starts = Date.parse(
        q
          .get('X-Amz-Date')!
          .replace(/(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z/, '$1-$2-$3T$4:$5:$6Z'),
      );
      const ends = starts + Number(q.get('X-Amz-Expires')) * 1000;
      const neededUntil = t0 + (i % 59) * 1000 + need * 1000;
      expect(ends).toBeGreaterThanOrEqual(neededUntil);
      // Never more than an eighth (plus the window start) beyond what was needed.
      expect(ends - neededUntil).toBeLessThanOrEqual((need * 1000) / 8 + 60_000);
    }
    // One link per minute of expiry would be 240.
    expect(made).toBeLessThanOrEqual(16);
  });
});
