import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import { makeKey, sign, startQuiet, type TestKey } from './serve-helpers.js';

const BODY = Buffer.from('0123456789abcdefghij');
const seen: Array<{ url: string; method: string; headers: IncomingHttpHeaders }> = [];
let upstream: Server;
let upstreamUrl: string;
let key: TestKey;
let server: RunningServer;
let token: string;
let slowClosed = false;

beforeAll(async () => {
  key = makeKey();
  upstream = createServer((req, res): void => {
    seen.push({ url: req.url ?? '', method: req.method ?? '', headers: req.headers });
    const path = (req.url ?? '').split('?')[0];
    if (path === '/base/missing.ipa') {
      res.writeHead(404, { 'content-type': 'text/html', server: 'IIS/10.0' });
      res.end('<h1>secret upstream detail D:\\inetpub</h1>');
      return;
    }
    if (path === '/base/boom.ipa') {
      res.writeHead(500);
      res.end('stack trace at upstream');
      return;
    }
    if (path === '/base/slow.ipa') {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': '1000000',
      });
      res.write(Buffer.alloc(1000, 1)); // then never finish
      res.once('close', () => {
        slowClosed = true;
      });
      return;
    }
    if (path === '/base/page.html' || path === '/base/image.svg' || path === '/base/untyped') {
      const types: Record<string, string> = {
        '/base/page.html': 'text/html; charset=utf-8',
        '/base/image.svg': 'image/svg+xml',
      };
      const type = types[path];
      res.writeHead(200, {
        ...(type ? { 'content-type': type } : {}),
        'content-disposition': 'inline',
        'content-security-policy': "script-src 'unsafe-inline'",
      });
      res.end('<script>parent.stolen = location.href</script>');
      return;
    }
    if (path === '/base/reset.ipa') {
      req.socket.destroy();
      return;
    }
    const headers = {
      'content-type': 'application/octet-stream',
      etag: '"v1"',
      'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT',
      'accept-ranges': 'bytes',
      server: 'IIS/10.0',
      'x-powered-by': 'ASP.NET',
      connection: 'keep-alive',
      'set-cookie': 'a=b',
    };
    if (req.headers['if-none-match'] === '"v1"') {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (range) {
      const [s, e] = [Number(range[1]), Number(range[2])];
      if (s >= BODY.length) {
        res.writeHead(416, { 'content-range': `bytes */${BODY.length}` });
        res.end();
        return;
      }
      res.writeHead(206, {
        ...headers,
        'content-range': `bytes ${s}-${e}/${BODY.length}`,
        'content-length': String(e - s + 1),
      });
      res.end(req.method === 'HEAD' ? undefined : BODY.subarray(s, e + 1));
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': String(BODY.length) });
    res.end(req.method === 'HEAD' ? undefined : BODY);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/base`;
  server = await startQuiet({
    upstream: upstreamUrl,
    keySource: { load: async () => [{ key: key.publicKey }], describe: () => 'k' },
  });
  token = sign(key);
});

afterAll(async () => {
  await server?.close();
  await new Promise((r) => upstream.close(r));
});

const last = () => seen[seen.length - 1]!;

describe('proxy mode', () => {
  it('streams from the upstream without the token or Authorization reaching it', async () => {
    const res = await fetch(`${server.url}/apps/App.ipa?v=2&token=${token}&lang=en`, {
      headers: { cookie: 'sess=1' },
    });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(BODY);
    expect(last().url).toBe('/base/apps/App.ipa?v=2&lang=en');
    expect(JSON.stringify(last())).not.toContain(token);
    expect(last().headers.authorization).toBeUndefined();
    expect(last().headers.cookie).toBeUndefined();
    expect(res.headers.get('etag')).toBe('"v1"');
    expect(res.headers.get('last-modified')).toBe('Wed, 01 Jan 2025 00:00:00 GMT');
    expect(res.headers.get('content-length')).toBe('20');
    expect(res.headers.get('server')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('private, no-store, no-transform');
  });

  it('never lets an upstream page run script: sandboxing CSP, nosniff, active types as attachments', async () => {
    for (const [name, type] of [
      ['page.html', 'text/html; charset=utf-8'],
      ['image.svg', 'image/svg+xml'],
      ['untyped', 'application/octet-stream'],
    ] as const) {
      const res = await fetch(`${server.url}/${name}?token=${token}`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('content-disposition')).toBe(
        name === 'untyped' ? 'inline' : 'attachment',
      );
    }
    const ipa = await fetch(`${server.url}/apps/App.ipa?token=${token}`);
    await ipa.arrayBuffer();
    expect(ipa.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(ipa.headers.get('content-disposition')).toBeNull();
    const refused = await fetch(`${server.url}/missing.ipa?token=${token}`);
    expect(refused.status).toBe(404);
    expect(refused.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
  });

  it('does not forward a Bearer token', async () => {
    const res = await fetch(`${server.url}/apps/App.ipa`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(last().headers.authorization).toBeUndefined();
    expect(JSON.stringify(last())).not.toContain(token);
  });

  it('passes Range, If-Range and validators through and 206/304/416 back', async () => {
    const partial = await fetch(`${server.url}/apps/App.ipa?token=${token}`, {
      headers: { range: 'bytes=2-5', 'if-range': '"v1"' },
    });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe('bytes 2-5/20');
    expect(await partial.text()).toBe('2345');
    expect(last().headers.range).toBe('bytes=2-5');
    expect(last().headers['if-range']).toBe('"v1"');
    const notModified = await fetch(`${server.url}/apps/App.ipa?token=${token}`, {
      headers: { 'if-none-match': '"v1"' },
    });
    expect(notModified.status).toBe(304);
    const unsatisfiable = await fetch(`${server.url}/apps/App.ipa?token=${token}`, {
      headers: { range: 'bytes=50-60' },
    });
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers.get('content-range')).toBe('bytes */20');
  });

  it('turns an upstream 404 into our own 404 without upstream details', async () => {
    const res = await fetch(`${server.url}/missing.ipa?token=${token}`);
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(JSON.parse(text).code).toBe('NOT_FOUND');
    expect(text).not.toContain('inetpub');
  });

  it.each([['/boom.ipa'], ['/reset.ipa']])(
    'answers 502 UPSTREAM_ERROR for %s without details',
    async (p) => {
      const res = await fetch(`${server.url}${p}?token=${token}`);
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(JSON.parse(text).code).toBe('UPSTREAM_ERROR');
      expect(text).not.toContain('stack');
    },
  );

  it('never contacts the upstream for a refused request', async () => {
    const before = seen.length;
    const res = await fetch(`${server.url}/apps/App.ipa?token=${sign(makeKey())}`);
    expect(res.status).toBe(401);
    const traversal = await fetch(`${server.url}/apps/%2e%2e%2fsecret`);
    expect(traversal.status).toBe(400);
    expect(seen.length).toBe(before);
  });
});

describe('proxy mode and client aborts', () => {
  it('stops the upstream transfer when the client goes away', async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/slow.ipa?token=${token}`, { signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    const deadline = Date.now() + 5000;
    while (!slowClosed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(slowClosed).toBe(true);
  });

  it('keeps working over reused upstream connections', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${server.url}/apps/App.ipa?token=${token}`);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(BODY);
    }
  });
});
