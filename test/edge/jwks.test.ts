/**
 * JWKS URL mode. The key cache's bounds with a controlled clock (in Node, against a real JWKS
 * server on 127.0.0.1), then a real key rotation through the Worker in workerd, where the clock
 * cannot be frozen and the test waits out the refetch interval.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EdgeKeys,
  JWKS_TTL_MS,
  publicMembers,
  REFETCH_MIN_INTERVAL_MS,
  UNKNOWN_KID_TTL_MS,
} from '../../src/edge/runtime/jwks-cache.js';
import { tokenRefusal } from '../../src/server/respond.js';
import { buildBundle, jamfToken, startOrigin, startWorker } from './helpers.js';

interface Signer {
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}
function signer(kid: string): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    kid,
    privateKey,
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
  };
}

/** A JWKS server whose document the test changes; counts requests. */
let server: Server;
let jwksUrl: string;
let published: Signer[] = [];
let answer: 'ok' | 'fail' | 'huge' = 'ok';
let hits = 0;
beforeAll(async () => {
  server = createServer((_, res) => {
    hits++;
    if (answer === 'fail') return void res.writeHead(500).end();
    const body =
      answer === 'huge'
        ? `{"keys":[${'{},'.repeat(40_000)}{}]}`
        : JSON.stringify({ keys: published.map((s) => s.jwk) });
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  jwksUrl = `http://127.0.0.1:${address.port}/.well-known/jwks.json`;
});
afterAll(() => {
  server?.close();
});

const A = signer('key-a');
const B = signer('key-b');

describe('EdgeKeys (controlled clock, real HTTP)', () => {
  it('fetches once, refetches on an unknown kid at most once per interval, and negative-caches that kid', async () => {
    published = [A];
    answer = 'ok';
    hits = 0;
    let now = 1_000_000;
    const keys = new EdgeKeys({ embedded: [], jwksUrl, clock: () => now });
    expect((await keys.ring()).candidates('key-a')).toHaveLength(1);
    expect(hits).toBe(1);
    // B is published, but within the interval an unknown kid fetches nothing.
    published = [A, B];
    expect(await keys.refreshForUnknown('key-b')).toBeNull();
    expect(hits).toBe(1);
    now += REFETCH_MIN_INTERVAL_MS;
    expect((await keys.refreshForUnknown('key-b'))!.candidates('key-b')).toHaveLength(1);
    expect(hits).toBe(2);
    // A made-up kid: one fetch, then remembered as unknown even after the interval.
    now += REFETCH_MIN_INTERVAL_MS;
    expect((await keys.refreshForUnknown('made-up'))!.candidates('made-up')).toHaveLength(0);
    expect(hits).toBe(3);
    now += REFETCH_MIN_INTERVAL_MS;
    for (let i = 0; i < 50; i++) expect(await keys.refreshForUnknown('made-up')).toBeNull();
    expect(hits).toBe(3);
    now += UNKNOWN_KID_TTL_MS;
    await keys.refreshForUnknown('made-up');
    expect(hits).toBe(4);
  });

  it('a flood of different unknown kids costs one fetch per interval', async () => {
    published = [A];
    hits = 0;
    let now = 2_000_000;
    const keys = new EdgeKeys({ embedded: [], jwksUrl, clock: () => now });
    await keys.ring();
    now += REFETCH_MIN_INTERVAL_MS;
    await Promise.all(Array.from({ length: 100 }, (_, i) => keys.refreshForUnknown(`kid-${i}`)));
    expect(hits).toBe(2);
  });

  it('keeps the last good keys when the JWKS fails or is oversized, and refreshes after the TTL', async () => {
    published = [A];
    answer = 'ok';
    hits = 0;
    let now = 3_000_000;
    const keys = new EdgeKeys({ embedded: [], jwksUrl, clock: () => now });
    await keys.ring();
    answer = 'fail';
    now += JWKS_TTL_MS + 1;
    expect((await keys.ring()).candidates('key-a')).toHaveLength(1);
    answer = 'huge';
    now += REFETCH_MIN_INTERVAL_MS;
    expect((await keys.refreshForUnknown('key-b'))?.candidates('key-a')).toHaveLength(1);
    expect(hits).toBe(3);
    answer = 'ok';
    published = [B];
    now += JWKS_TTL_MS + 1;
    const ring = await keys.ring();
    expect(ring.candidates('key-b')).toHaveLength(1);
    expect(ring.candidates('key-a')).toHaveLength(0);
  });

  it('takes only public RS256 RSA members of 2048+ bits; private members are never read', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      format: 'jwk',
    });
    const members = publicMembers({
      keys: [
        A.jwk,
        { ...B.jwk, alg: 'RS512' },
        { ...B.jwk, use: 'enc' },
        { kty: 'EC', crv: 'P-256', x: 'a', y: 'b', kid: 'ec' },
        { ...small, kid: 'small' },
        { ...A.jwk, kid: undefined },
        { ...A.jwk, kid: 'with-d', d: 'secret' },
        'junk',
      ],
    });
    expect(members.map((m) => m.kid)).toEqual(['key-a', 'with-d']);
    expect(Object.keys(members[1]!).sort()).toEqual(['e', 'kid', 'kty', 'n']);
    expect(() => publicMembers({ keys: 'x' })).toThrow();
  });
});

describe('JWKS rotation through the Worker in workerd', () => {
  it('a token signed by a newly published key verifies after one bounded refetch', async () => {
    published = [A];
    answer = 'ok';
    hits = 0;
    const origin = await startOrigin();
    const built = await buildBundle('cloudflare', { jwksUrl, origin: origin.url });
    const mf = await startWorker(built.bundle);
    const get = (token: string) => mf.dispatchFetch(`https://dp.example/apps/A.ipa?token=${token}`);
    try {
      // A cold isolate hit by many devices at once: one JWKS fetch, every request served.
      const burst = await Promise.all(
        Array.from({ length: 8 }, () =>
          get(jamfToken(A.privateKey, {}, { alg: 'RS256', kid: 'key-a' })),
        ),
      );
      for (const res of burst) {
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
      expect(hits).toBe(1);
      // Rotation: B appears in the JWKS. Right after a fetch, the Worker does not refetch yet.
      published = [A, B];
      const early = await get(jamfToken(B.privateKey, {}, { alg: 'RS256', kid: 'key-b' }));
      expect(early.status).toBe(401);
      expect(await early.text()).toBe(tokenRefusal('KEY_NOT_FOUND').body.toString());
      expect(hits).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, REFETCH_MIN_INTERVAL_MS + 500));
      const later = await get(jamfToken(B.privateKey, {}, { alg: 'RS256', kid: 'key-b' }));
      expect(later.status).toBe(200);
      await later.arrayBuffer();
      expect(hits).toBe(2);
      // A forged kid after that: one more fetch at most, then no more.
      const forged = jamfToken(B.privateKey, {}, { alg: 'RS256', kid: 'forged' });
      for (let i = 0; i < 5; i++) expect((await get(forged)).status).toBe(401);
      expect(hits).toBe(2);
    } finally {
      await mf.dispose();
      origin.server.close();
    }
  }, 90_000);
});
