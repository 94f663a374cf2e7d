// fetchPrefix: one GET that keeps only the first bytes and hangs up, never rejects, never follows
// redirects. Servers here deliberately never finish their bodies, so a test only ends if
// fetchPrefix really stops reading early.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchPrefix } from '../../src/probe/request.js';

let server: Server;
let base = '';
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers['user-agent']}`);
    if (req.url === '/silent') return; // never answers
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/login' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.write(Buffer.from('0123456789abcdef'));
    // ...and never ends: a huge file from the probe's point of view.
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('fetchPrefix', () => {
  it('returns the first bytes of an endless body and hangs up', async () => {
    const ex = await fetchPrefix(new URL(`${base}/big.ipa`), { maxBytes: 4, timeoutMs: 10_000 });
    expect(ex).toMatchObject({ status: 200, contentType: 'application/octet-stream' });
    expect(ex.body.toString()).toBe('0123');
    expect(seen.at(-1)).toBe('GET /big.ipa portcullis-probe');
  });

  it('returns right after the headers when the limit for that status is 0', async () => {
    const ex = await fetchPrefix(new URL(`${base}/big.ipa`), {
      maxBytes: (status) => (status >= 400 ? 4096 : 0),
      timeoutMs: 10_000,
    });
    expect(ex.status).toBe(200);
    expect(ex.body.length).toBe(0);
  });

  it('reports a redirect without following it', async () => {
    const ex = await fetchPrefix(new URL(`${base}/redirect`), { maxBytes: 64, timeoutMs: 10_000 });
    expect(ex).toMatchObject({ status: 302, location: '/login' });
    expect(seen.filter((s) => s.startsWith('GET /login'))).toEqual([]);
  });

  it('resolves with TIMEOUT instead of rejecting when the server never answers', async () => {
    const ex = await fetchPrefix(new URL(`${base}/silent`), { maxBytes: 64, timeoutMs: 200 });
    expect(ex).toMatchObject({ status: null, error: 'TIMEOUT' });
  });
});
