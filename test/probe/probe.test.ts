// probeDistributionPoint against small real HTTP servers on 127.0.0.1 that behave like the
// distribution points found in the wild: strict, wide open, naive (no signature check),
// redirecting to a login page, leaking content in the error page, crashing on hostile input.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '../../src/keys/index.js';
import {
  normaliseProbeUrl,
  type ProbeReport,
  probeDistributionPoint,
} from '../../src/probe/probe.js';
import {
  type Behaviour,
  claimsOnly,
  FILE,
  fakeDistributionPoints,
  type Reply,
  refuse401,
  serveFile,
  strictlyValid,
} from './fixtures.js';

const { privateKey: key, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const attackerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const dps = fakeDistributionPoints();
afterAll(() => dps.closeAll());
const fakeDp = (b: Behaviour, tls?: { key: string; cert: string }) => dps.start(b, tls);

function probe(url: string): Promise<ProbeReport> {
  return probeDistributionPoint(url, key, { attackerKey, timeoutMs: 5000 });
}

const verdicts = (r: ProbeReport) => Object.fromEntries(r.results.map((x) => [x.id, x.verdict]));

describe('probeDistributionPoint', () => {
  it('passes a strict distribution point and reports the refusal codes it gave', async () => {
    const url = await fakeDp((t) => (strictlyValid(t, publicKey) ? serveFile : refuse401));
    const report = await probe(url);
    expect(report.ok).toBe(true);
    expect(report.summary).toEqual({ passed: 15, failed: 0, info: 1 });
    const expired = report.results.find((r) => r.id === 'expired');
    expect(expired).toMatchObject({ status: 401, outcome: 'refused', code: 'TOKEN_REFUSED' });
    const valid = report.results.find((r) => r.id === 'valid');
    expect(valid).toMatchObject({ status: 200, outcome: 'allowed', contentReturned: true });
    // This server ignores Authorization headers: informational only, not a failure.
    expect(report.results.at(-1)).toMatchObject({ verdict: 'info', outcome: 'refused' });
  });

  it('fails a wide-open file server on every hostile case', async () => {
    const report = await probe(await fakeDp(() => serveFile));
    expect(report.ok).toBe(false);
    const hostile = report.results.filter((r) => r.expected === 'refused');
    expect(hostile.every((r) => r.verdict === 'fail' && r.contentReturned)).toBe(true);
    expect(verdicts(report).valid).toBe('pass');
  });

  it('catches a validator that checks claims but not the signature', async () => {
    const report = await probe(await fakeDp((t) => (claimsOnly(t) ? serveFile : refuse401)));
    expect(report.ok).toBe(false);
    const v = verdicts(report);
    for (const id of [
      'bad-signature',
      'foreign-key',
      'alg-none',
      'hs256-public-key',
      'jku-header',
    ]) {
      expect(v[id], id).toBe('fail');
    }
    for (const id of ['no-token', 'expired', 'wrong-iss', 'wrong-sub', 'no-exp']) {
      expect(v[id], id).toBe('pass');
    }
  });

  it('fails a redirect for a hostile token, even to a login page (it cannot tell where it leads)', async () => {
    const login: Reply = { status: 302, headers: { location: '/login?next=%2Fapps' } };
    const report = await probe(
      await fakeDp((t) => (strictlyValid(t, publicKey) ? serveFile : login)),
    );
    expect(report.ok).toBe(false);
    const row = report.results.find((r) => r.id === 'alg-none');
    expect(row).toMatchObject({ status: 302, outcome: 'redirect', verdict: 'fail' });
    expect(row?.signedLink).toBeUndefined();
    expect(row?.detail).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/login\?next=%2Fapps$/);
  });

  it('fails when every request is redirected to the same place regardless of the token', async () => {
    const cdn: Reply = {
      status: 302,
      headers: { location: 'http://cdn.invalid/App.ipa?token=abc' },
    };
    const report = await probe(await fakeDp(() => cdn));
    expect(report.ok).toBe(false);
    expect(verdicts(report)['no-token']).toBe('fail');
    expect(verdicts(report).valid).toBe('fail');
    // The Location's own token never reaches the report.
    expect(JSON.stringify(report)).not.toContain('abc');
  });

  it('treats a 4xx whose body is the file as a leak', async () => {
    const leaky: Reply = { status: 403, body: FILE };
    const report = await probe(
      await fakeDp((t) => (strictlyValid(t, publicKey) ? serveFile : leaky)),
    );
    expect(report.ok).toBe(false);
    expect(report.results[0]).toMatchObject({
      outcome: 'leak',
      contentReturned: true,
      verdict: 'fail',
    });
  });

  it('fails a server that answers hostile input with 5xx', async () => {
    const crash: Reply = { status: 500, body: 'Internal Server Error' };
    const report = await probe(
      await fakeDp((t) => (t?.startsWith('eyJhbGciOiJub25lIn0') ? crash : refuse401)),
    );
    expect(report.results.find((r) => r.id === 'alg-none')).toMatchObject({
      outcome: 'server-error',
      verdict: 'fail',
    });
  });

  it('reports a distribution point that cannot be reached instead of throwing', async () => {
    const url = await fakeDp(() => serveFile);
    await dps.stopLast();
    const report = await probe(url);
    expect(report.ok).toBe(false);
    expect(report.results.every((r) => r.status === null && r.detail === 'ECONNREFUSED')).toBe(
      true,
    );
  });

  it('never puts a token in the report and strips one from the URL', async () => {
    const url = await fakeDp((t) => (strictlyValid(t, publicKey) ? serveFile : refuse401));
    const report = await probe(`${url}?a=1&token=eyJoldtoken`);
    const text = JSON.stringify(report);
    expect(report.url).toBe(`${url}?a=1`);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    expect(text).not.toContain(FILE.toString('latin1').slice(5, 20));
  });

  it('sends the token in the Authorization header for the Bearer case only', async () => {
    const seen: Array<string | undefined> = [];
    const url = await fakeDp((t, req) => {
      seen.push(req.headers.authorization ? `bearer:${t === null}` : undefined);
      return refuse401;
    });
    await probe(url);
    expect(seen.filter(Boolean)).toEqual(['bearer:true']);
  });
});

describe('probe over HTTPS', () => {
  it('refuses an untrusted certificate unless --insecure, and never throws', async () => {
    const cert = await createSelfSignedCertificate(key, { commonName: '127.0.0.1' });
    const tls = { key: key.export({ type: 'pkcs8', format: 'pem' }).toString(), cert };
    const url = await fakeDp((t) => (strictlyValid(t, publicKey) ? serveFile : refuse401), tls);
    const strict = await probe(url);
    expect(strict.ok).toBe(false);
    expect(strict.results.every((r) => r.status === null && r.outcome === 'error')).toBe(true);
    expect(strict.results[0]?.detail).toMatch(/CERT|SELF_SIGNED/);
    const insecure = await probeDistributionPoint(url, key, { attackerKey, insecure: true });
    expect(insecure.ok).toBe(true);
  });
});

describe('probe input checks', () => {
  it.each([
    'ftp://host/x',
    'not a url',
    'http://user:pw@host/x',
    '/relative',
    // No file to bind the tokens to:
    'http://host/',
    'http://host/apps/',
    'http://host/a/.env',
  ])('refuses the URL %s with PROBE_URL_INVALID', async (url) => {
    await expect(probeDistributionPoint(url, key, { attackerKey })).rejects.toMatchObject({
      code: 'PROBE_URL_INVALID',
    });
  });

  it('refuses a public key, a non-RSA key and a short RSA key', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const short = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    for (const k of [createPublicKey(key), ec, short]) {
      await expect(
        probeDistributionPoint('http://127.0.0.1:1/x', k, { attackerKey }),
      ).rejects.toMatchObject({ code: 'PROBE_KEY_UNSUITABLE' });
    }
  });

  it('keeps other query parameters and drops the fragment', () => {
    expect(normaliseProbeUrl('https://dp.example/a%20b.ipa?x=1&token=t#frag').href).toBe(
      'https://dp.example/a%20b.ipa?x=1',
    );
  });
});
