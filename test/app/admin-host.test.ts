/**
 * Issue 10 §9: the admin listener refuses Host names it was not told about (DNS rebinding
 * against a loopback admin), before any route — API, console, /metrics — runs.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import { resolveServeConfig } from '../../src/server/config.js';
import { makeKey, removeDir, startQuiet, tempDir } from '../server/serve-helpers.js';

let dir: string;
let server: RunningServer;
let port: string;
let reached = 0;

/** GET with an exact Host header (or none at all). */
function get(
  path: string,
  host: string | null,
): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, server.adminUrl!);
    const req = request(
      url,
      { headers: host === null ? {} : { host }, setHost: false, agent: false },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            type: String(res.headers['content-type']),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = await tempDir();
  const key = makeKey();
  server = await startQuiet({
    root: dir,
    keySource: { load: async () => [{ key: key.publicKey }], describe: () => 'k' },
    adminAllowedHosts: ['admin.example.com', 'proxy.example.com:8443'],
    adminExtensions: [
      {
        async register(app) {
          app.get('/api/v1/anything', async () => {
            reached++;
            return { ok: true };
          });
        },
      },
    ],
  });
  port = new URL(server.adminUrl!).port;
}, 30_000);

afterAll(async () => {
  await server?.close();
  await removeDir(dir);
});

describe('admin listener Host check', () => {
  it('answers its own address and the loopback names at its port', async () => {
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `LOCALHOST:${port}`,
      `[::1]:${port}`,
    ]) {
      expect((await get('/healthz', host)).status, host).toBe(200);
    }
  });

  it('answers configured names: any port without one, only that port with one', async () => {
    expect((await get('/healthz', 'admin.example.com')).status).toBe(200);
    expect((await get('/healthz', 'admin.example.com:9999')).status).toBe(200);
    expect((await get('/healthz', 'proxy.example.com:8443')).status).toBe(200);
    expect((await get('/healthz', 'proxy.example.com')).status).toBe(421);
  });

  it.each([
    ['a rebinding name', 'attacker.example'],
    ['a rebinding name with the right port', 'attacker.example:PORT'],
    ['localhost at another port', 'localhost:1'],
    ['a look-alike', 'localhost.attacker.example:PORT'],
    ['user info', 'admin@127.0.0.1:PORT'],
    ['an empty Host', ''],
  ])('refuses %s with 421 HOST_NOT_ALLOWED on every route', async (_name, raw) => {
    const host = raw.replace('PORT', port);
    for (const path of ['/healthz', '/metrics', '/api/v1/anything']) {
      const res = await get(path, host);
      expect(res.status, `${path} ${host}`).toBe(421);
      expect(res.type).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(res.body)).toMatchObject({ status: 421, code: 'HOST_NOT_ALLOWED' });
      expect(res.body).not.toContain('admin.example.com');
    }
    expect(reached).toBe(0);
  });

  it('refuses a request without Host (Node answers 400 before any route)', async () => {
    for (const path of ['/healthz', '/api/v1/anything']) {
      expect((await get(path, null)).status).toBe(400);
    }
    expect(reached).toBe(0);
  });

  it('refuses a malformed --admin-allowed-hosts entry at start-up, naming the setting', () => {
    expect(() => resolveServeConfig({ adminAllowedHosts: ['ok.example', 'bad host/x'] })).toThrow(
      /adminAllowedHosts/,
    );
  });

  it.each([
    [
      'two Host headers, the allowed one first',
      'GET /api/v1/anything HTTP/1.1\r\nHost: localhost:PORT\r\nHost: evil.com\r\n',
    ],
    [
      'two Host headers, the allowed one last',
      'GET /api/v1/anything HTTP/1.1\r\nHost: evil.com\r\nHost: localhost:PORT\r\n',
    ],
    [
      'two identical allowed Host headers',
      'GET /api/v1/anything HTTP/1.1\r\nHost: localhost:PORT\r\nHost: localhost:PORT\r\n',
    ],
    [
      'an absolute-form target naming another authority',
      'GET http://evil.com/api/v1/anything HTTP/1.1\r\nHost: localhost:PORT\r\n',
    ],
    [
      'an absolute-form target with user info',
      'GET http://x@localhost:PORT/api/v1/anything HTTP/1.1\r\nHost: localhost:PORT\r\n',
    ],
    [
      'an absolute-form https target',
      'GET https://localhost:PORT/api/v1/anything HTTP/1.1\r\nHost: localhost:PORT\r\n',
    ],
  ])('refuses %s (raw socket) before any route', async (_name, head) => {
    const res = await rawRequest(head.replaceAll('PORT', port));
    expect(res).toMatch(/^HTTP\/1\.1 (400|421) /);
    if (res.startsWith('HTTP/1.1 421')) expect(res).toContain('"code":"HOST_NOT_ALLOWED"');
    expect(res).not.toContain('"ok":true');
    expect(reached).toBe(0);
  });

  it('answers an absolute-form target whose authority is allowed and matches Host', async () => {
    const res = await rawRequest(
      `GET http://localhost:${port}/healthz HTTP/1.1\r\nHost: localhost:${port}\r\n`,
    );
    expect(res).toMatch(/^HTTP\/1\.1 200 /);
  });
});

/** Sends one request head exactly as written (no client normalises it) and reads the answer. */
function rawRequest(head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      answer += c;
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.write(`${head}Connection: close\r\n\r\n`);
  });
}
