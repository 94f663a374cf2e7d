// The hostile request classes of the disk suites (refusal-no-disk, pipeline, limits), run against
// one listener per shape — `--root`, `--storage` with `--delivery stream`, and with `redirect` —
// holding the same content. Each refusal must be the same bytes in every shape, the same for an
// object that exists and one that does not, and must cost the store no request at all (s3rver
// reports every request it receives).
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import { type BucketFixture, bucketFixture, startBucketServer } from './bucket-helpers.js';
import { removeDir, sign, startQuiet, tempDir } from './serve-helpers.js';

let f: BucketFixture;
let dir: string;
const shapes: Record<string, RunningServer> = {};

beforeAll(async () => {
  f = await bucketFixture({ 'apps/App.ipa': 'x'.repeat(100_000), '.hidden': 'secret' });
  dir = await tempDir();
  await mkdir(join(dir, 'apps'));
  await writeFile(join(dir, 'apps', 'App.ipa'), 'x'.repeat(100_000));
  await writeFile(join(dir, '.hidden'), 'secret');
  shapes.disk = await startQuiet({ root: dir, keySource: f.keySource, admin: false });
  shapes.stream = await startBucketServer(f, 'stream');
  shapes.redirect = await startBucketServer(f, 'redirect');
});
afterAll(async () => {
  for (const s of Object.values(shapes)) await s.close();
  await f?.s3.stop();
  await removeDir(dir);
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with the path exactly as written (no URL normalisation) and raw headers. */
function raw(
  base: string,
  path: string,
  method = 'GET',
  headers: Record<string, string | string[]> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/`, { method, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => {
        const { date: _, connection: __, 'keep-alive': ___, ...rest } = res.headers;
        resolve({ status: res.statusCode ?? 0, headers: rest, body });
      });
    });
    for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
    req.on('error', reject);
    req.end();
  });
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const claims = () => ({
  sub: 'AppManifest',
  iss: 'JSS',
  exp: Math.floor(Date.now() / 1000) + 900,
});

/** Hostile tokens, each refused with 401. */
function hostileTokens(): Record<string, string> {
  const stranger = sign({ ...f.key, privateKey: makeStranger() });
  const expired = sign(f.key, { expiresIn: 60, now: Math.floor(Date.now() / 1000) - 7200 });
  const none = `${b64({ alg: 'none' })}.${b64(claims())}.`;
  const hsInput = `${b64({ alg: 'HS256' })}.${b64(claims())}`;
  const hs = `${hsInput}.${createHmac('sha256', f.key.publicPem).update(hsInput).digest('base64url')}`;
  const good = sign(f.key).split('.');
  const tampered = `${good[0]}.${b64({ ...claims(), sub: 'Other' })}.${good[2]}`;
  return {
    'no token': '',
    'foreign signature': `?token=${stranger}`,
    expired: `?token=${expired}`,
    garbage: '?token=a.b.c',
    'alg none': `?token=${none}`,
    'HS256 with the public key as secret': `?token=${hs}`,
    'tampered claims': `?token=${tampered}`,
    'two tokens': `?token=${sign(f.key)}&token=${sign(f.key)}`,
    'huge token': `?token=${'a'.repeat(7000)}`,
  };
}

let strangerKey: KeyObject | undefined;
function makeStranger(): KeyObject {
  strangerKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return strangerKey;
}

/** Runs `probe` on every shape; all must answer alike, and no store request may happen. */
async function sameEverywhere(probe: (base: string) => Promise<Answer>): Promise<Answer> {
  await f.s3.resetRequests();
  const answers: Record<string, Answer> = {};
  for (const [name, s] of Object.entries(shapes)) answers[name] = await probe(s.url);
  expect(answers.stream).toEqual(answers.disk);
  expect(answers.redirect).toEqual(answers.disk);
  expect(await f.s3.requests()).toEqual([]);
  return answers.disk!;
}

describe('hostile requests: the same refusal in every shape, and no store request', () => {
  it.each([
    'no token',
    'foreign signature',
    'expired',
    'garbage',
    'alg none',
    'HS256 with the public key as secret',
    'tampered claims',
    'two tokens',
    'huge token',
  ])('token: %s — 401, byte-identical for an existing and a missing object', async (name) => {
    const query = hostileTokens()[name]!;
    const existing = await sameEverywhere((base) =>
      raw(base, `/apps/App.ipa${query}`, 'GET', { range: 'bytes=0-10' }),
    );
    const missing = await sameEverywhere((base) =>
      raw(base, `/apps/Missing.ipa${query}`, 'GET', { range: 'bytes=0-10' }),
    );
    expect(existing.status).toBe(401);
    expect(missing).toEqual(existing);
  });

  it('two Authorization headers — 401 TOKEN_MALFORMED', async () => {
    const two = [`Bearer ${sign(f.key)}`, `Bearer ${sign(f.key)}`];
    const a = await sameEverywhere((base) =>
      raw(base, '/apps/App.ipa', 'GET', { authorization: two }),
    );
    expect(a.status).toBe(401);
    expect(JSON.parse(a.body).code).toBe('TOKEN_MALFORMED');
  });

  it.each([
    '/../etc/passwd',
    '/apps/../../etc/passwd',
    '/%2e%2e/etc/passwd',
    '/apps%2fApp.ipa',
    '/apps%5cApp.ipa',
    '/apps/App.ipa%00.pdf',
    '/%ff.ipa',
    '/./apps/App.ipa',
    '/_portcullis/App.ipa',
    '/%5Fportcullis/App.ipa',
    '/_portculli%C5%BF/App.ipa',
  ])('path %s — refused before the token, with or without one', async (path) => {
    const without = await sameEverywhere((base) => raw(base, path));
    const withToken = await sameEverywhere((base) => raw(base, `${path}?token=${sign(f.key)}`));
    expect([400, 404]).toContain(without.status);
    expect(withToken.status).toBe(without.status);
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'PROPFIND', 'OPTIONS'])(
    'method %s — 405 before the token',
    async (method) => {
      const a = await sameEverywhere((base) =>
        raw(base, `/apps/App.ipa?token=${sign(f.key)}`, method),
      );
      expect(a.status).toBe(405);
      const b = await sameEverywhere((base) => raw(base, '/apps/Missing.ipa', method));
      expect(b).toEqual(a);
    },
  );

  it('a URL over the limit — 414 before anything', async () => {
    const a = await sameEverywhere((base) => raw(base, `/apps/App.ipa?token=${'a'.repeat(9000)}`));
    expect(a.status).toBe(414);
  });

  it('a valid token does reach the store in the bucket shapes (the counter is wired)', async () => {
    await f.s3.resetRequests();
    expect((await raw(shapes.stream!.url, `/apps/App.ipa?token=${sign(f.key)}`)).status).toBe(200);
    expect((await raw(shapes.redirect!.url, `/apps/App.ipa?token=${sign(f.key)}`)).status).toBe(
      302,
    );
    expect((await f.s3.requests()).length).toBeGreaterThan(0);
  });

  it('a dotfile answers as on disk once the token verified (404 on disk; the bucket has no dotfile rule)', async () => {
    const disk = await raw(shapes.disk!.url, `/.hidden?token=${sign(f.key)}`);
    const stream = await raw(shapes.stream!.url, `/.hidden?token=${sign(f.key)}`);
    expect(stream.status).toBe(disk.status);
  });
});
