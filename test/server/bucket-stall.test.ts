// A bucket that stalls after start-up (it accepts the connection and then never answers): the
// device must get 503 CONTENT_STORE_UNAVAILABLE with Retry-After in seconds, in stream and redirect
// delivery, not silence until the listener's 120 s idle timeout. A real TCP relay in front of
// s3rver stops moving bytes when told to; s3rver runs in its own process.
import { request } from 'node:http';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import { eventually } from '../helpers/wait.js';
import { type BucketFixture, bucketFixture, startBucketServer } from './bucket-helpers.js';
import { sign } from './serve-helpers.js';

let f: BucketFixture;
let relay: Server;
let stalled = false;
const servers: Record<'stream' | 'redirect', RunningServer | undefined> = {
  stream: undefined,
  redirect: undefined,
};
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  f = await bucketFixture({ 'apps/App.ipa': 'PK\u0003\u0004 app bytes' });
  const port = Number(new URL(f.s3.endpoint).port);
  relay = createServer((client: Socket) => {
    const upstream = connect(port, '127.0.0.1');
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    client.on('data', (d) => {
      if (!stalled) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!stalled) client.write(d);
    });
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const s3Endpoint = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) logLines.push(JSON.parse(line));
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  // Started while the store answers (the start-up check passes), then the store stalls.
  servers.stream = await startBucketServer(f, 'stream', { s3Endpoint, logger });
  servers.redirect = await startBucketServer(f, 'redirect', { s3Endpoint, logger });
  stalled = true;
}, 60_000);
afterAll(async () => {
  await servers.stream?.close();
  await servers.redirect?.close();
  await new Promise((r) => relay?.close(r));
  await f?.s3.stop();
});

describe('a bucket that stalls after start-up', () => {
  for (const mode of ['stream', 'redirect'] as const) {
    it(`answers 503 CONTENT_STORE_UNAVAILABLE with Retry-After within 15 s (${mode})`, async () => {
      const started = performance.now();
      const res = await fetch(`${servers[mode]!.url}/apps/App.ipa?token=${sign(f.key)}`, {
        redirect: 'manual',
      });
      const seconds = (performance.now() - started) / 1000;
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'CONTENT_STORE_UNAVAILABLE' });
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(seconds).toBeLessThan(15);
      await eventually(() =>
        logLines.some(
          (l) =>
            l.msg === 'request' && l.status === 503 && l.outcome === 'CONTENT_STORE_UNAVAILABLE',
        ),
      );
    }, 30_000);
  }

  it('logs no 200 for a device that hung up before anything was sent (stream)', async () => {
    const before = logLines.length;
    const req = request(`${servers.stream!.url}/apps/App.ipa?token=${sign(f.key)}`);
    req.on('error', () => {});
    req.end();
    await new Promise((r) => setTimeout(r, 500));
    req.destroy();
    await eventually(() => logLines.slice(before).some((l) => l.msg === 'request'), 15_000).catch(
      () => {
        throw new Error(JSON.stringify(logLines.slice(before)));
      },
    );
    const line = logLines.slice(before).find((l) => l.msg === 'request');
    expect(line).toMatchObject({ status: 0, outcome: 'CLIENT_ABORTED' });
    // The device's leaving aborted the store request: no store failure is logged for it.
    await new Promise((r) => setTimeout(r, 300));
    expect(logLines.slice(before).some((l) => l.msg === 'content store request failed')).toBe(
      false,
    );
  }, 30_000);
});
