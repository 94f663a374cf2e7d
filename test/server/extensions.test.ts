import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import type { DownloadEvent } from '../../src/contracts/download-event.js';
import type { AdminContext } from '../../src/server/types.js';
import { eventually } from '../helpers/wait.js';
import { makeKey, removeDir, sign, startQuiet, type TestKey, tempDir } from './serve-helpers.js';

let dir: string;
let key: TestKey;
let server: RunningServer;
let adminCtx: AdminContext | null = null;
const events: DownloadEvent[] = [];
let sinkClosed = false;
const prefixedAsked: string[] = [];
const guardedPlanned: Array<string | null> = [];

beforeAll(async () => {
  key = makeKey();
  dir = await tempDir();
  await writeFile(join(dir, 'App.ipa'), 'x'.repeat(1000));
  server = await startQuiet({
    root: dir,
    keySource: {
      load: async () => [
        { key: key.publicKey, kid: 'kid-1', label: 'config-42', configurationId: 'cfg-42' },
      ],
      describe: () => 'k',
    },
    auditSink: {
      record: (e) => events.push(e),
      close: async () => {
        sinkClosed = true;
      },
    },
    adminExtensions: [
      {
        register(app, ctx) {
          adminCtx = ctx;
          app.get('/api/ping', async () => ({ pong: true, publicUrl: ctx.publicUrl }));
        },
      },
    ],
    contentExtensions: [
      {
        path: '/.well-known/probe-ext/',
        token: 'none',
        plan({ rest }) {
          prefixedAsked.push(rest);
          return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ext' };
        },
      },
      () => ({
        path: '/.well-known/jwks.json',
        token: 'none',
        plan: () => ({
          status: 200,
          // A plan cannot weaken the listener's common headers.
          headers: { 'content-type': 'application/json', 'x-content-type-options': 'sniff' },
          body: '{"keys":[]}',
        }),
      }),
      {
        path: '/.well-known/guarded/',
        token: 'required',
        via: 'manifest',
        subject: (rest) =>
          rest === 'App.ipa.txt' || rest === 'Gone.ipa.txt' ? `/${rest.slice(0, -4)}` : null,
        plan({ subject, token }) {
          guardedPlanned.push(subject);
          if (subject !== '/App.ipa' || token === undefined) return { refuse: 'NOT_FOUND' };
          return {
            status: 200,
            headers: { 'content-type': 'text/plain' },
            body: `for ${token.identity.configurationId}`,
          };
        },
      },
    ],
  });
});

afterAll(async () => {
  await server?.close();
  await removeDir(dir);
});

describe('extensions', () => {
  it('registers admin extensions into the admin listener with a context', async () => {
    const res = await fetch(`${server.adminUrl}/api/ping`);
    expect(await res.json()).toEqual({ pong: true, publicUrl: server.url });
    expect(adminCtx?.config.root).toBe(dir);
    await expect(adminCtx!.keys.reload()).resolves.toBeUndefined();
  });

  it('lets content extensions (given as factories) answer their paths without a token', async () => {
    const res = await fetch(`${server.url}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ keys: [] });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // …but the dotfile rule still protects content paths nobody claimed.
    expect((await fetch(`${server.url}/.well-known/other?token=${sign(key)}`)).status).toBe(400);
  });

  it('asks an extension with a prefix only about paths under that prefix', async () => {
    prefixedAsked.length = 0;
    await (await fetch(`${server.url}/App.ipa?token=${sign(key)}`)).arrayBuffer();
    await (await fetch(`${server.url}/.well-known/jwks.json`)).arrayBuffer();
    expect(prefixedAsked).toEqual([]);
    const res = await fetch(`${server.url}/.well-known/probe-ext/x`);
    expect(await res.text()).toBe('ext');
    expect(prefixedAsked).toEqual(['x']);
  });

  it('refuses to start with an extension under the reserved prefix that is no reserved route', async () => {
    await expect(
      startQuiet({
        root: dir,
        admin: false,
        keySource: { load: async () => [{ key: key.publicKey }], describe: () => 'k' },
        contentExtensions: [
          { path: '/_portcullis/mine/', token: 'none', plan: () => ({ refuse: 'NOT_FOUND' }) },
        ],
      }),
    ).rejects.toThrow(/reserved prefix/);
  });

  it('refuses for a token-guarded extension exactly as for a download, before it plans', async () => {
    guardedPlanned.length = 0;
    const pairs: Array<[string, string, RequestInit?]> = [
      ['/.well-known/guarded/App.ipa.txt', '/App.ipa'],
      ['/.well-known/guarded/App.ipa.txt?token=x.y.z', '/App.ipa?token=x.y.z'],
      [
        `/.well-known/guarded/App.ipa.txt?token=${sign(key)}&token=x`,
        `/App.ipa?token=${sign(key)}&token=x`,
      ],
      [
        `/.well-known/guarded/App.ipa.txt?token=${sign(key)}`,
        `/App.ipa?token=${sign(key)}`,
        { method: 'POST' },
      ],
      [
        `/.well-known/guarded/App.ipa.txt?token=${sign(key, { claims: { path: '/Other.ipa' } })}`,
        `/App.ipa?token=${sign(key, { claims: { path: '/Other.ipa' } })}`,
      ],
    ];
    for (const [guarded, download, init] of pairs) {
      const a = await fetch(`${server.url}${guarded}`, init);
      const b = await fetch(`${server.url}${download}`, init);
      expect(a.status, guarded).toBe(b.status);
      expect(await a.text(), guarded).toBe(await b.text());
      expect(a.headers.get('www-authenticate')).toBe(b.headers.get('www-authenticate'));
      expect(a.headers.get('allow')).toBe(b.headers.get('allow'));
    }
    expect(guardedPlanned).toEqual([]);
    // A token bound to a file never opens a request that names none.
    const none = await fetch(
      `${server.url}/.well-known/guarded/x?token=${sign(key, { claims: { path: '/App.ipa' } })}`,
    );
    expect(((await none.json()) as { code: string }).code).toBe('TOKEN_PATH_MISMATCH');
  });

  it('hands a token-guarded extension the identity, and writes its planned refusal in the one shape', async () => {
    events.length = 0;
    const ok = await fetch(`${server.url}/.well-known/guarded/App.ipa.txt?token=${sign(key)}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('for cfg-42');
    expect(ok.headers.get('content-security-policy')).toMatch(/sandbox/);
    const gone = await fetch(`${server.url}/.well-known/guarded/Gone.ipa.txt?token=${sign(key)}`);
    const missing = await fetch(`${server.url}/Gone.ipa?token=${sign(key)}`);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toBe(await missing.text());
    await eventually(() => events.length >= 3);
    expect(events[0]).toMatchObject({
      via: 'manifest',
      outcome: 'OK',
      path: '/App.ipa',
      keyLabel: 'config-42',
      configurationId: 'cfg-42',
      // The planned body's bytes, as for a file: 'for cfg-42'.
      bytesSent: 10,
    });
    expect(events[1]).toMatchObject({ via: 'manifest', outcome: 'NOT_FOUND', path: '/Gone.ipa' });
  });
});

describe('audit and metrics', () => {
  it('records one DownloadEvent per content request, without the token', async () => {
    events.length = 0;
    const token = sign(key);
    await (
      await fetch(`${server.url}/App.ipa?token=${token}`, {
        headers: { 'user-agent': 'test-agent', range: 'bytes=0-9' },
      })
    ).arrayBuffer();
    await (await fetch(`${server.url}/App.ipa`)).arrayBuffer();
    await (
      await fetch(`${server.url}/_portcullis/auth`, {
        headers: { 'x-original-uri': `/App.ipa?token=${token}`, 'x-forwarded-method': 'GET' },
      })
    ).arrayBuffer();
    await (await fetch(`${server.url}/_portcullis/healthz`)).arrayBuffer();
    await eventually(() => events.length >= 3); // 'close' fires after the client has the body
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({
      method: 'GET',
      path: '/App.ipa',
      status: 206,
      outcome: 'OK',
      bytesSent: 10,
      clientAddress: expect.stringContaining('127.0.0.1'),
      keyLabel: 'config-42',
      kid: 'kid-1',
      userAgent: 'test-agent',
      via: 'file',
      tokenFingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(events[1]).toMatchObject({ status: 401, outcome: 'TOKEN_MISSING', via: 'file' });
    expect(events[2]).toMatchObject({ status: 204, outcome: 'OK', via: 'auth', path: '/App.ipa' });
    expect(JSON.stringify(events)).not.toContain(token);
  });

  it('exposes Prometheus metrics on the admin listener', async () => {
    const before = events.length;
    await (await fetch(`${server.url}/App.ipa?token=${sign(key)}`)).arrayBuffer();
    await eventually(() => events.length > before);
    const text = await (await fetch(`${server.adminUrl}/metrics`)).text();
    expect(text).toMatch(/portcullis_requests_total\{outcome="OK",via="file"\} [1-9]/);
    expect(text).toMatch(/portcullis_requests_total\{outcome="TOKEN_MISSING",via="file"\} [1-9]/);
    expect(text).toMatch(/portcullis_bytes_sent_total [1-9]/);
    expect(text).toContain('portcullis_token_verify_seconds_bucket');
    expect(text).toMatch(/portcullis_token_cache_lookups\{result="hit"\} \d+/);
    expect(text).toMatch(/portcullis_file_cache_lookups\{result="miss"\} [1-9]/);
    expect(text).toContain('portcullis_downloads_in_flight 0');
  });

  it('closes the audit sink on shutdown', async () => {
    const other = await startQuiet({
      root: dir,
      admin: false,
      keySource: { load: async () => [{ key: key.publicKey }], describe: () => 'k' },
      auditSink: {
        record: () => {},
        close: async () => {
          sinkClosed = true;
        },
      },
    });
    expect(other.adminUrl).toBeNull();
    await other.close();
    expect(sinkClosed).toBe(true);
  });
});
