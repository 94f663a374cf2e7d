// CloudFront signed links. No CloudFront here, so each link is checked the way CloudFront
// checks it, with openssl (an implementation independent of the SDK): rebuild the canned policy
// from the URL and its Expires, undo CloudFront's base64 substitutions, and verify the RSA-SHA1
// signature over the policy with the public key.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudFrontSigner } from '../../src/storage/s3/cloudfront.js';

let dir: string;
let privateKeyFile: string;
let publicKeyFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-cf-'));
  privateKeyFile = join(dir, 'cf.pem');
  publicKeyFile = join(dir, 'cf.pub.pem');
  execFileSync('openssl', ['genrsa', '-out', privateKeyFile, '2048'], { stdio: 'ignore' });
  execFileSync('openssl', ['rsa', '-in', privateKeyFile, '-pubout', '-out', publicKeyFile], {
    stdio: 'ignore',
  });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Verifies a canned-policy link with openssl; returns openssl's verdict. */
async function opensslVerifies(link: string): Promise<boolean> {
  const url = new URL(link);
  const expires = url.searchParams.get('Expires')!;
  const signature = url.searchParams.get('Signature')!;
  for (const p of ['Expires', 'Signature', 'Key-Pair-Id']) url.searchParams.delete(p);
  const resource = url.search === '' ? url.href.replace(/\?$/, '') : url.href;
  const policy = `{"Statement":[{"Resource":"${resource}","Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
  const raw = Buffer.from(
    signature.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'),
    'base64',
  );
  await writeFile(join(dir, 'policy.json'), policy);
  await writeFile(join(dir, 'sig.bin'), raw);
  try {
    const out = execFileSync(
      'openssl',
      [
        'dgst',
        '-sha1',
        '-verify',
        publicKeyFile,
        '-signature',
        join(dir, 'sig.bin'),
        join(dir, 'policy.json'),
      ],
      { encoding: 'utf8' },
    );
    return out.includes('Verified OK');
  } catch {
    return false;
  }
}

describe('CloudFront signed links', () => {
  it('signs a canned policy over the object URL that openssl verifies', async () => {
    const signer = await createCloudFrontSigner(
      { domain: 'd111111abcdef8.cloudfront.net', keyPairId: 'K2JCJMDEHXQW5F', privateKeyFile },
      (p) => `jamf/${p}`,
    );
    const issuedAt = Date.UTC(2026, 0, 1, 12);
    const link = await signer.sign({
      path: 'apps/Über App (1).ipa',
      method: 'GET',
      expiresInSeconds: 3600,
      fileName: 'Über App (1).ipa',
      contentType: 'application/octet-stream',
      issuedAt,
    });
    const url = new URL(link);
    expect(url.origin).toBe('https://d111111abcdef8.cloudfront.net');
    expect(url.pathname).toBe('/jamf/apps/%C3%9Cber%20App%20(1).ipa');
    expect(url.searchParams.get('Key-Pair-Id')).toBe('K2JCJMDEHXQW5F');
    expect(url.searchParams.get('Expires')).toBe(String(issuedAt / 1000 + 3600));
    expect(await opensslVerifies(link)).toBe(true);
    // The check can fail: a link for another object or a later expiry does not verify.
    expect(await opensslVerifies(link.replace('apps/', 'other/'))).toBe(false);
    expect(
      await opensslVerifies(link.replace(/Expires=\d+/, `Expires=${issuedAt / 1000 + 7200}`)),
    ).toBe(false);
  });

  it('caps the lifetime at 7 days', async () => {
    const signer = await createCloudFrontSigner(
      { domain: 'cdn.example.com', keyPairId: 'K2JCJMDEHXQW5F', privateKeyFile },
      (p) => p,
    );
    const issuedAt = Date.UTC(2026, 0, 1);
    const link = await signer.sign({
      path: 'a.pkg',
      method: 'HEAD',
      expiresInSeconds: 90 * 86400,
      fileName: 'a.pkg',
      contentType: 'application/octet-stream',
      issuedAt,
    });
    expect(new URL(link).searchParams.get('Expires')).toBe(String(issuedAt / 1000 + 7 * 86400));
    expect(await opensslVerifies(link)).toBe(true);
  });

  it('refuses a key file that is not an RSA private key, naming the flag', async () => {
    await writeFile(join(dir, 'not-a-key.pem'), 'hello');
    await expect(
      createCloudFrontSigner(
        {
          domain: 'cdn.example.com',
          keyPairId: 'K2JCJMDEHXQW5F',
          privateKeyFile: join(dir, 'not-a-key.pem'),
        },
        (p) => p,
      ),
    ).rejects.toMatchObject({
      code: 'STORAGE_DELIVERY_INVALID',
      message: expect.stringContaining('--cloudfront-private-key-file'),
    });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    await writeFile(join(dir, 'ec.pem'), ec);
    await expect(
      createCloudFrontSigner(
        {
          domain: 'cdn.example.com',
          keyPairId: 'K2JCJMDEHXQW5F',
          privateKeyFile: join(dir, 'ec.pem'),
        },
        (p) => p,
      ),
    ).rejects.toMatchObject({ code: 'STORAGE_DELIVERY_INVALID' });
  });
});
