// The probe behind a bucket: Portcullis in --delivery redirect over a real S3-protocol server.
// s3rver serves any request without checking a signature — exactly a public bucket — so the probe
// must flag it. A private bucket is stood in for by a small gate in front of s3rver that refuses
// requests without a SigV4 signature (403, as AWS does); it checks only that a signature is
// present, which is all this test needs (signatures themselves are checked in test/storage).
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import { probeDistributionPoint } from '../../src/probe/probe.js';
import { type BucketFixture, bucketFixture, startBucketServer } from '../server/bucket-helpers.js';

let f: BucketFixture;
let publicBucket: RunningServer;
let privateBucket: RunningServer;
let gate: Server;
let gateUrl: string;

beforeAll(async () => {
  f = await bucketFixture({ 'App.ipa': 'PK\u0003\u0004 app bytes' });
  const target = new URL(f.s3.endpoint);
  gate = createServer((req, res) => {
    const signed = /[?&]X-Amz-Signature=/.test(req.url ?? '') || req.headers.authorization;
    if (!signed) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<Error><Code>AccessDenied</Code></Error>');
      return;
    }
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(up);
  });
  await new Promise<void>((r) => gate.listen(0, '127.0.0.1', r));
  gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`;
  publicBucket = await startBucketServer(f, 'redirect');
  privateBucket = await startBucketServer(f, 'redirect', { s3Endpoint: gateUrl });
});
afterAll(async () => {
  await publicBucket?.close();
  await privateBucket?.close();
  await new Promise((r) => gate?.close(r));
  await f?.s3.stop();
});

const rowOf = (report: Awaited<ReturnType<typeof probeDistributionPoint>>, id: string) =>
  report.results.find((r) => r.id === id);

describe('probe of a distribution point that redirects to a bucket', () => {
  it('passes when the bucket refuses an unsigned request; the valid case follows the signed link', async () => {
    const report = await probeDistributionPoint(`${privateBucket.url}/App.ipa`, f.key.privateKey, {
      origin: `${gateUrl}/content/jamf/App.ipa`,
    });
    expect(rowOf(report, 'valid')).toMatchObject({ status: 200, verdict: 'pass' });
    expect(rowOf(report, 'redirect-unsigned')).toMatchObject({ status: 403, verdict: 'pass' });
    expect(rowOf(report, 'origin-unsigned')).toMatchObject({ status: 403, verdict: 'pass' });
    expect(report.ok).toBe(true);
    // No signature in the report: it must not hand out a working link.
    expect(JSON.stringify(report)).not.toMatch(/X-Amz-Signature|X-Amz-Credential/i);
  });

  it('fails a public bucket: the link without its signature still serves the file', async () => {
    const report = await probeDistributionPoint(`${publicBucket.url}/App.ipa`, f.key.privateKey, {
      origin: `${f.s3.endpoint}/content/jamf/App.ipa`,
    });
    expect(rowOf(report, 'valid')).toMatchObject({ verdict: 'pass' });
    expect(rowOf(report, 'redirect-unsigned')).toMatchObject({
      status: 200,
      outcome: 'allowed',
      contentReturned: true,
      verdict: 'fail',
    });
    expect(rowOf(report, 'origin-unsigned')).toMatchObject({ status: 200, verdict: 'fail' });
    expect(report.ok).toBe(false);
    // Every hostile token was still refused by Portcullis itself.
    const hostile = report.results.filter(
      (r) => r.expected === 'refused' && !r.id.endsWith('-unsigned'),
    );
    expect(hostile.every((r) => r.verdict === 'pass')).toBe(true);
  });

  it('adds no origin rows for a distribution point that serves the bytes itself', async () => {
    const stream = await startBucketServer(f, 'stream', { s3Endpoint: gateUrl });
    try {
      const report = await probeDistributionPoint(`${stream.url}/App.ipa`, f.key.privateKey);
      expect(report.ok).toBe(true);
      expect(rowOf(report, 'redirect-unsigned')).toBeUndefined();
      expect(rowOf(report, 'origin-unsigned')).toBeUndefined();
    } finally {
      await stream.close();
    }
  });

  it('refuses an --origin that is not an http(s) URL (PROBE_URL_INVALID), before any request', async () => {
    await expect(
      probeDistributionPoint(`${privateBucket.url}/App.ipa`, f.key.privateKey, {
        origin: 's3://content/App.ipa',
      }),
    ).rejects.toMatchObject({ code: 'PROBE_URL_INVALID' });
  });
});
