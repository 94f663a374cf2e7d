/**
 * The JWKS failure cache stays per node (docs/decisions.md, "Cross-node state in PostgreSQL"):
 * two caches stand in for two nodes against one real IdP on 127.0.0.1. A flood of tokens naming
 * a failing IdP costs the fleet one fetch per node per failure window, however many requests;
 * and a failure one node saw (its own route, DNS or proxy, or a blip) never makes another node
 * refuse tokens it can verify — what a shared negative cache would do.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwksUnavailable, RemoteJwksCache } from '../../src/admin/auth/remote-jwks.js';

let idp: Server;
let base: string;
let jwks: string;
const hits: Record<string, number> = {};
/** Answers per path, in order; the last one repeats. */
const script: Record<string, number[]> = { failing: [500], blip: [500, 200] };

beforeAll(async () => {
  const { publicKey } = await generateKeyPair('RS256');
  jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }] });
  idp = createServer((req, res) => {
    const name = (req.url ?? '').slice(1);
    const n = (hits[name] ?? 0) + 1;
    hits[name] = n;
    const steps = script[name] ?? [404];
    const status = steps[Math.min(n, steps.length) - 1]!;
    if (status !== 200) return void res.writeHead(status).end('IdP detail');
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => idp.close(() => r())));

let clock = 1_000_000;
const node = () => new RemoteJwksCache({ clock: () => clock, failureTtlMs: 30_000 });

describe('the JWKS failure cache, one per node', () => {
  it('costs the fleet one fetch per node per failure window, however large the flood', async () => {
    const [a, b] = [node(), node()];
    const flood = (n: RemoteJwksCache) =>
      Promise.allSettled(Array.from({ length: 50 }, () => n.resolver('srv', `${base}/failing`)));
    for (const r of [...(await flood(a)), ...(await flood(b))]) {
      expect(r.status === 'rejected' && r.reason instanceof JwksUnavailable).toBe(true);
    }
    expect(hits.failing).toBe(2);
    clock += 29_000;
    await flood(a);
    await flood(b);
    expect(hits.failing).toBe(2);
    clock += 2_000; // the window has passed: one retry each
    await flood(a);
    await flood(b);
    expect(hits.failing).toBe(4);
  });

  it('never makes node B refuse because of a failure node A saw', async () => {
    const [a, b] = [node(), node()];
    await expect(a.resolver('srv', `${base}/blip`)).rejects.toBeInstanceOf(JwksUnavailable);
    // B fetches for itself and verifies; A keeps its failure only for its window.
    expect(typeof (await b.resolver('srv', `${base}/blip`))).toBe('function');
    await expect(a.resolver('srv', `${base}/blip`)).rejects.toBeInstanceOf(JwksUnavailable);
    clock += 31_000;
    expect(typeof (await a.resolver('srv', `${base}/blip`))).toBe('function');
    expect(hits.blip).toBe(3);
  });
});
