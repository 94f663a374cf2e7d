// `--storage s3://… --delivery stream`: answers like a local file (Range, If-Range,
// conditionals, HEAD, the object's ETag), with bounded buffering and aborts passed on to the
// store. s3rver runs in its own process; a counting TCP relay between Portcullis and s3rver
// measures what the store sent.
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import { eventually } from '../helpers/wait.js';
import { type BucketFixture, bucketFixture, startBucketServer } from './bucket-helpers.js';
import { sign } from './serve-helpers.js';

const BIG = randomBytes(32 * 1024 * 1024);
let f: BucketFixture;
let server: RunningServer;
let relayed: RunningServer;
let relay: Server;
/** Bytes the relay carried from s3rver to Portcullis, and the relay's open upstream sockets. */
const fromStore = { bytes: 0, open: 0 };

beforeAll(async () => {
  f = await bucketFixture({
    'apps/Über App.ipa': '0123456789abcdefghij',
    'big.pkg': BIG,
    'empty.pdf': '',
  });
  server = await startBucketServer(f, 'stream');
  const port = Number(new URL(f.s3.endpoint).port);
  relay = createServer((client: Socket) => {
    const upstream = connect(port, '127.0.0.1');
    fromStore.open++;
    upstream.on('data', (d) => {
      fromStore.bytes += d.length;
    });
    upstream.once('close', () => {
      fromStore.open--;
      client.destroy();
    });
    client.once('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  relayed = await startBucketServer(f, 'stream', {
    s3Endpoint: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`,
  });
});
afterAll(async () => {
  await server?.close();
  await relayed?.close();
  await new Promise((r) => relay?.close(r));
  await f?.s3.stop();
});

const url = (path: string) => `${server.url}${path}?token=${sign(f.key)}`;

describe('stream delivery', () => {
  it('serves the object with its ETag, type and length', async () => {
    const res = await fetch(url('/apps/%C3%9Cber%20App.ipa'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('0123456789abcdefghij');
    const info = (await f.storage.stat('apps/Über App.ipa'))!;
    expect(res.headers.get('etag')).toBe(info.identity);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-length')).toBe('20');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('cache-control')).toBe('private, no-store, no-transform');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers Range with 206, a bad range with 416, and If-Range by the ETag', async () => {
    const info = (await f.storage.stat('apps/Über App.ipa'))!;
    const part = await fetch(url('/apps/%C3%9Cber%20App.ipa'), { headers: { range: 'bytes=5-9' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 5-9/20');
    expect(await part.text()).toBe('56789');
    const suffix = await fetch(url('/apps/%C3%9Cber%20App.ipa'), {
      headers: { range: 'bytes=-3' },
    });
    expect(await suffix.text()).toBe('hij');
    const bad = await fetch(url('/apps/%C3%9Cber%20App.ipa'), {
      headers: { range: 'bytes=50-60' },
    });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe('bytes */20');
    const stale = await fetch(url('/apps/%C3%9Cber%20App.ipa'), {
      headers: { range: 'bytes=0-1', 'if-range': '"0000"' },
    });
    expect(stale.status).toBe(200);
    expect((await stale.text()).length).toBe(20);
    const fresh = await fetch(url('/apps/%C3%9Cber%20App.ipa'), {
      headers: { range: 'bytes=0-1', 'if-range': info.identity },
    });
    expect(fresh.status).toBe(206);
    expect(await fresh.text()).toBe('01');
  });

  it('answers If-None-Match with 304 and If-Match with 412, without a GetObject', async () => {
    const info = (await f.storage.stat('apps/Über App.ipa'))!;
    await f.s3.resetRequests();
    const same = await fetch(url('/apps/%C3%9Cber%20App.ipa'), {
      headers: { 'if-none-match': info.identity },
    });
    expect(same.status).toBe(304);
    const other = await fetch(url('/apps/%C3%9Cber%20App.ipa'), {
      headers: { 'if-match': '"nope"' },
    });
    expect(other.status).toBe(412);
    const seen = await f.s3.requests();
    expect(seen.map((r) => r.method)).toEqual(['HEAD', 'HEAD']);
  });

  it('answers HEAD with the headers and no body, and an empty object with 200', async () => {
    const head = await fetch(url('/big.pkg'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(BIG.length));
    expect(await head.text()).toBe('');
    const empty = await fetch(url('/empty.pdf'));
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe('');
  });

  it('answers 404 for a missing object and for a folder key', async () => {
    for (const path of ['/missing.pkg', '/apps/', '/apps']) {
      const res = await fetch(url(path));
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('NOT_FOUND');
    }
  });

  it('streams 32 MiB intact', async () => {
    const res = await fetch(url('/big.pkg'));
    const body = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(
      createHash('sha256').update(BIG).digest('hex'),
    );
  });

  it('a device that reads nothing makes Portcullis read little from the store (back-pressure)', async () => {
    fromStore.bytes = 0;
    const req = request(`${relayed.url}/big.pkg?token=${sign(f.key)}`);
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(200);
    res.pause();
    // Let everything that will flow, flow.
    await new Promise((r) => setTimeout(r, 1500));
    const pulled = fromStore.bytes;
    console.info(`back-pressure: ${pulled} bytes pulled from the store for a paused device`);
    // Socket buffers on three hops, not the 32 MiB object. Runs pull 8.8–10.6 MiB; loopback
    // buffers grow with load (send buffers up to tcp_wmem's 4 MiB per hop, receive buffers
    // autotuned), and a parallel run once pulled just over 12 MiB. Without back-pressure the relay
    // carries the whole 32 MiB within the 1.5 s (loopback moves it in tens of milliseconds), so a
    // bound well under the object still tells the two apart.
    expect(pulled).toBeLessThan(20 * 1024 * 1024);
    // And the device going away aborts the store's response (its socket closes).
    const openBefore = fromStore.open;
    req.destroy();
    await eventually(() => fromStore.open < openBefore, 5000, 'store socket closed');
    const after = fromStore.bytes;
    await new Promise((r) => setTimeout(r, 300));
    expect(fromStore.bytes).toBe(after);
  });
});

describe('a device that pauses', () => {
  it('keeps its download when it reads nothing for longer than the store read deadline (8 s)', async () => {
    const req = request(`${relayed.url}/big.pkg?token=${sign(f.key)}`);
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(200);
    res.pause();
    // Longer than the 6 s read deadline: the store socket sits idle under back-pressure.
    await new Promise((r) => setTimeout(r, 8000));
    const hash = createHash('sha256');
    res.resume();
    for await (const chunk of res) hash.update(chunk as Buffer);
    expect(res.complete).toBe(true);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(BIG).digest('hex'));
  }, 40_000);
});

describe('store failures', () => {
  it('a store that goes away answers 503 CONTENT_STORE_UNAVAILABLE, naming nothing of the store', async () => {
    const port = Number(new URL(f.s3.endpoint).port);
    const sockets = new Set<Socket>();
    const flaky = createServer((client: Socket) => {
      const upstream = connect(port, '127.0.0.1');
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
    const node = await startBucketServer(f, 'stream', { s3Endpoint: endpoint });
    try {
      expect(
        (await fetch(`${node.url}/apps/%C3%9Cber%20App.ipa?token=${sign(f.key)}`)).status,
      ).toBe(200);
      await new Promise((r) => flaky.close(r));
      for (const s of sockets) s.destroy();
      const started = performance.now();
      const res = await fetch(`${node.url}/apps/%C3%9Cber%20App.ipa?token=${sign(f.key)}`);
      console.info(`store down: answered in ${Math.round(performance.now() - started)} ms`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      const body = await res.text();
      expect(JSON.parse(body).code).toBe('CONTENT_STORE_UNAVAILABLE');
      for (const leak of ['127.0.0.1', 'jamf', 'bucket', 'ECONNREFUSED', 'S3RVER']) {
        expect(body).not.toContain(leak);
      }
    } finally {
      await node.close();
    }
  });

  it('the start-up check refuses a store that cannot be reached, promptly and coded', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(
      startBucketServer(f, 'stream', { s3Endpoint: `http://127.0.0.1:${port}` }),
    ).rejects.toMatchObject({ code: 'STORAGE_BUCKET_UNREACHABLE' });
  });

  it('the start-up check refuses a bucket the credentials may not read (403)', async () => {
    const saved = process.env.AWS_ACCESS_KEY_ID;
    process.env.AWS_ACCESS_KEY_ID = 'NOT-A-KEY';
    try {
      await expect(startBucketServer(f, 'stream')).rejects.toMatchObject({
        code: 'STORAGE_ACCESS_DENIED',
      });
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved;
    }
  });
});
