// A distribution point that checks nothing and 302s EVERY request to a signed link of a private
// bucket (what Portcullis does for a valid token in --delivery redirect). The probe used to say OK:
// a hostile redirect passed whenever the valid case's redirect was a signed link. Both servers are
// fakes on loopback on purpose: they model a misconfigured peer, which Portcullis cannot be made to be.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProbeTable } from '../../src/probe/format.js';
import { probeDistributionPoint } from '../../src/probe/probe.js';
import { FILE, runCli } from './fixtures.js';

const { privateKey: key } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const attackerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const servers: Server[] = [];
let dpUrl = '';
let cfUrl = '';
let bucketOrigin = '';

async function listen(s: Server): Promise<string> {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  // The private bucket: serves the object only with a signature (S3 with Block Public Access).
  bucketOrigin = await listen(
    createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const signed = u.searchParams.has('X-Amz-Signature') || u.searchParams.has('Signature');
      res.writeHead(signed ? 200 : 403);
      res.end(signed ? FILE : '<Error><Code>AccessDenied</Code></Error>');
    }),
  );
  const sigv4 = `${bucketOrigin}/jamf/apps/App.ipa?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=660&X-Amz-Signature=5ec7e7&x-id=GetObject`;
  const cloudfront = `${bucketOrigin}/jamf/apps/App.ipa?Expires=1&Signature=5ec7e7&Key-Pair-Id=K1`;
  const broken = (location: string) =>
    createServer((_req, res) => {
      res.writeHead(302, { location, 'content-length': '0' });
      res.end();
    });
  dpUrl = `${await listen(broken(sigv4))}/apps/App.ipa`;
  cfUrl = `${await listen(broken(cloudfront))}/apps/App.ipa`;
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe('probe of a distribution point that hands everyone a signed link', () => {
  for (const [name, url] of [
    ['SigV4 presigned', () => dpUrl],
    ['CloudFront signed', () => cfUrl],
  ] as const) {
    it(`fails every hostile case and names the signed link (${name})`, async () => {
      const report = await probeDistributionPoint(url(), key, { attackerKey, timeoutMs: 5000 });
      expect(report.ok).toBe(false);
      const hostile = report.results.filter(
        (r) => r.expected === 'refused' && r.id !== 'redirect-unsigned',
      );
      expect(hostile).toHaveLength(14);
      for (const r of hostile) {
        expect(r, r.id).toMatchObject({
          status: 302,
          outcome: 'redirect',
          verdict: 'fail',
          signedLink: true,
        });
      }
      // The bucket itself is private: that row still passes, and no signature reaches the report.
      expect(report.results.find((r) => r.id === 'redirect-unsigned')).toMatchObject({
        verdict: 'pass',
      });
      expect(JSON.stringify(report)).not.toContain('5ec7e7');
      expect(formatProbeTable(report)).toContain('hands out a signed link');
    });
  }

  it('exits 1 from the CLI and says FAILED', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'probe-open-'));
    const keyFile = join(dir, 'jamf.pem');
    writeFileSync(keyFile, key.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
    const { code, out } = await runCli([
      'probe',
      dpUrl,
      '--key',
      keyFile,
      '--origin',
      `${bucketOrigin}/jamf/apps/App.ipa`,
    ]);
    expect(code).toBe(1);
    expect(out).toMatch(/no-token .*302 hands out a signed link .*FAIL/);
    expect(out).toContain('FAILED: 14 of ');
  });
});
