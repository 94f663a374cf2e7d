/**
 * The listener's side of a store failure, on a real listener with extensions whose store is away
 * (they reject as both stores do: a coded STORE_UNAVAILABLE). A credential check that fails is
 * never an admission and never LINK_REFUSED; a plan or a public extension that fails is the same
 * 503 with Retry-After; only a failure that is not the store's stays 500 INTERNAL_ERROR. Each is
 * recorded by its code, counted, and logged without the token. test/server/store-down.test.ts
 * does the same through `portcullis serve` on a PostgreSQL that goes away.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import type { DownloadEvent } from '../../src/contracts/download-event.js';
import { StoreError } from '../../src/store/errors.js';
import { eventually } from '../helpers/wait.js';
import { makeKey, removeDir, sign, startQuiet, type TestKey, tempDir } from './serve-helpers.js';

let dir: string;
let key: TestKey;
let server: RunningServer;
const events: DownloadEvent[] = [];
const logLines: Record<string, unknown>[] = [];
let logText = '';
/** How the fake store behind the extensions behaves. */
let failure: 'none' | 'store' | 'bug' = 'none';
const planned: string[] = [];

function storeRead<T>(value: T): Promise<T> {
  if (failure === 'store') {
    return Promise.reject(
      new StoreError('STORE_UNAVAILABLE', 'The database cannot be reached.', {
        cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), {
          code: 'ECONNREFUSED',
        }),
      }),
    );
  }
  if (failure === 'bug') return Promise.reject(new TypeError('x is not a function'));
  return Promise.resolve(value);
}

const LINK = 'lnk_abcdefghijklmnopqrstuvwxyz0123456789';

beforeAll(async () => {
  key = makeKey();
  dir = await tempDir();
  const sink = new Writable({
    write(chunk, _enc, done) {
      logText += String(chunk);
      for (const line of String(chunk).split('\n')) if (line) logLines.push(JSON.parse(line));
      done();
    },
  });
  server = await startQuiet({
    root: dir,
    logger: pino({ level: 'info' }, sink),
    keySource: { load: async () => [{ key: key.publicKey, kid: 'k1' }], describe: () => 'k' },
    auditSink: { record: (e) => events.push(e) },
    contentExtensions: [
      {
        path: '/_portcullis/manifest/',
        token: 'required',
        via: 'manifest',
        subject: (rest) => (rest.endsWith('.plist') ? `/${rest.slice(0, -6)}` : null),
        credential: {
          recognizes: (token) => token.startsWith('lnk_'),
          authenticate: (_token, subject) =>
            storeRead(
              subject === '/App.ipa'
                ? { id: 'l1', keyLabel: 'link:l1', configurationId: 'c1', exp: 2e9 }
                : null,
            ),
        },
        async plan({ subject }) {
          planned.push(subject ?? '-');
          const record = await storeRead({ path: subject });
          return { status: 200, headers: { 'content-type': 'text/plain' }, body: `${record.path}` };
        },
      },
      {
        path: '/.well-known/jwks.json',
        token: 'none',
        plan: async () => ({
          status: 200,
          headers: { 'content-type': 'application/jwk-set+json' },
          body: await storeRead('{"keys":[]}'),
        }),
      },
    ],
  });
});

afterAll(async () => {
  await server?.close();
  await removeDir(dir);
});

const manifest = (path: string, token: string) =>
  `${server.url}/_portcullis/manifest/${path}.plist?token=${token}`;

async function metric(sample: string): Promise<number> {
  const text = await (await fetch(`${server.adminUrl}/metrics`)).text();
  const row = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return row === undefined ? 0 : Number(row.slice(sample.length + 1));
}

describe('a route whose store is away', () => {
  it('works while the store answers (the fixture is sound)', async () => {
    failure = 'none';
    expect((await fetch(manifest('App.ipa', LINK))).status).toBe(200);
    const refused = await fetch(manifest('Other.ipa', LINK));
    expect(refused.status).toBe(401);
    expect((await refused.json()).code).toBe('LINK_REFUSED');
  });

  it('a credential check that fails is a 503, never an admission or LINK_REFUSED', async () => {
    failure = 'store';
    planned.length = 0;
    events.length = 0;
    const counted = await metric('portcullis_store_unavailable_total');
    const a = await fetch(manifest('App.ipa', LINK));
    const b = await fetch(manifest('Other.ipa', LINK));
    for (const res of [a, b]) {
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.headers.get('www-authenticate')).toBeNull();
      expect(await res.json()).toEqual({
        error: 'store_unavailable',
        code: 'STORE_UNAVAILABLE',
        message: 'The shared store is unavailable; try again shortly.',
      });
    }
    const head = await fetch(manifest('App.ipa', LINK), { method: 'HEAD' });
    expect(head.status).toBe(503);
    expect(await head.text()).toBe('');
    // Not admitted: the extension never planned.
    expect(planned).toEqual([]);
    await eventually(() => events.length === 3);
    expect(events.map((e) => [e.status, e.outcome, e.via])).toEqual(
      Array(3).fill([503, 'STORE_UNAVAILABLE', 'manifest']),
    );
    expect(await metric('portcullis_store_unavailable_total')).toBe(counted + 3);
    const errors = logLines.filter((l) => l.code === 'STORE_UNAVAILABLE');
    expect(errors.at(-1)).toMatchObject({
      level: 50,
      via: 'manifest',
      detail: 'The database cannot be reached.',
      cause: 'ECONNREFUSED',
    });
    expect(logText).not.toContain(LINK);
    expect(logText).not.toContain('10.0.0.5');
  });

  it('a plan that fails after a download token admitted is the same 503', async () => {
    failure = 'none';
    const token = sign(key);
    expect((await fetch(manifest('App.ipa', token))).status).toBe(200);
    failure = 'store';
    const res = await fetch(manifest('App.ipa', token));
    expect(res.status).toBe(503);
    expect((await res.json()).code).toBe('STORE_UNAVAILABLE');
    expect(logText).not.toContain(token);
  });

  it('a public extension (the JWKS) answers the same 503', async () => {
    failure = 'store';
    const res = await fetch(`${server.url}/.well-known/jwks.json`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect((await res.json()).code).toBe('STORE_UNAVAILABLE');
  });

  it('a failure that is not the store stays a 500, and is not an admission either', async () => {
    failure = 'bug';
    planned.length = 0;
    const res = await fetch(manifest('App.ipa', LINK));
    expect(res.status).toBe(500);
    expect((await res.json()).code).toBe('INTERNAL_ERROR');
    expect(planned).toEqual([]);
    failure = 'none';
  });
});
