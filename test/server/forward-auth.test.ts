// The forward-auth endpoint over real HTTP, once per `authFront` setting: each front's own
// headers are the only source of the original URI and method, any other front's header or a
// duplicated one refuses, and `off` leaves nothing to ask. The real nginx/Caddy/Apache in front
// are in webservers.test.ts.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import type { DownloadEvent } from '../../src/contracts/download-event.js';
import { loadServeConfig } from '../../src/server/config.js';
import {
  type AuthFront,
  FRONT_HEADERS,
  ORIGINAL_REQUEST_HEADERS,
} from '../../src/server/forward-auth-front.js';
import { CLI, ensureBuilt } from '../helpers/dist.js';
import {
  makeKey,
  removeDir,
  sign,
  stableHeaders,
  startQuiet,
  type TestKey,
  tempDir,
} from './serve-helpers.js';

const T0 = 1_800_000_000; // seconds
let nowMs = T0 * 1000;
let dir: string;
let key: TestKey;
/** A key no server trusts. */
let stranger: TestKey;
let token: string;
const servers = new Map<AuthFront | 'default', RunningServer>();
const events: DownloadEvent[] = [];

beforeAll(async () => {
  key = makeKey();
  stranger = makeKey();
  dir = await tempDir();
  token = sign(key, { now: T0 });
  await writeFile(join(dir, 'App.ipa'), 'app bytes');
  const base = {
    root: dir,
    keySource: {
      load: async () => [{ key: key.publicKey, kid: 'k1', label: 'cfg-1' }],
      describe: () => 'k',
    },
    clock: () => nowMs,
    leeway: 0,
    resumeGrace: 600,
    auditSink: { record: (e: DownloadEvent) => events.push(e) },
  };
  // No authFront at all: the default must behave exactly like an explicit nginx.
  servers.set('default', await startQuiet(base));
  for (const front of ['nginx', 'caddy', 'traefik', 'off'] as const) {
    servers.set(front, await startQuiet({ ...base, authFront: front }));
  }
});

afterAll(async () => {
  for (const s of servers.values()) await s.close();
  await removeDir(dir);
});

/** GET /_portcullis/auth with exactly these header lines (an array sends one line per value). */
function ask(
  front: AuthFront | 'default',
  headers: Record<string, string | string[]>,
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  const url = `${servers.get(front)!.url}/_portcullis/auth`;
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
const codeOf = (body: string) => (JSON.parse(body) as { code: string }).code;

/** Waits for the audit event of the request sent since `before` (written when the response closes). */
async function eventsAfter(before: number): Promise<DownloadEvent[]> {
  const deadline = Date.now() + 5000;
  while (events.length === before && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  return events.slice(before);
}

describe.each(['default', 'nginx', 'caddy', 'traefik'] as const)('authFront %s', (front) => {
  const own = FRONT_HEADERS[front === 'default' ? 'nginx' : front];
  const foreign = ORIGINAL_REQUEST_HEADERS.filter((h) => h !== own.uri && h !== own.method);
  /** What this front itself sends for a client's `method uri`. */
  const fromFront = (uri: string, method = 'GET') => ({ [own.uri]: uri, [own.method]: method });

  it('answers 204 for its own headers with a valid token, with identity headers for logs', async () => {
    nowMs = T0 * 1000;
    const res = await ask(front, fromFront(`/apps/App.ipa?token=${token}`));
    expect(res.status).toBe(204);
    expect(res.headers['x-portcullis-token-fingerprint']).toMatch(/^[0-9a-f]{16}$/);
    expect(res.headers['x-portcullis-kid']).toBe('k1');
    expect(res.headers['x-portcullis-key-label']).toBe('cfg-1');
    expect((await ask(front, fromFront(`/a.pkg?token=${token}`, 'HEAD'))).status).toBe(204);
    const bearer = await ask(front, { ...fromFront('/a.pkg'), authorization: `Bearer ${token}` });
    expect(bearer.status).toBe(204);
  });

  it('answers 401 with the same body and challenge as the content route', async () => {
    nowMs = T0 * 1000;
    const res = await fetch(`${servers.get(front)!.url}/_portcullis/auth`, {
      headers: fromFront('/apps/App.ipa'),
    });
    const direct = await fetch(`${servers.get(front)!.url}/apps/App.ipa`);
    expect(res.status).toBe(401);
    expect(stableHeaders(res)).toEqual(stableHeaders(direct));
    expect(await res.text()).toBe(await direct.text());
    const bad = await ask(front, fromFront(`/apps/App.ipa?token=${sign(stranger)}`));
    expect([bad.status, codeOf(bad.body)]).toEqual([401, 'SIGNATURE_INVALID']);
  });

  it('refuses non-GET/HEAD originals and path attacks with 403 (nginx denies only on 401/403)', async () => {
    nowMs = T0 * 1000;
    const post = await ask(front, fromFront(`/a.pkg?token=${token}`, 'POST'));
    expect([post.status, codeOf(post.body)]).toEqual([403, 'METHOD_NOT_ALLOWED']);
    const traversal = await ask(front, fromFront(`/%2e%2e/etc/passwd?token=${token}`));
    expect([traversal.status, codeOf(traversal.body)]).toEqual([403, 'PATH_REJECTED']);
  });

  it('needs both of its own headers: no fallback to the auth request’s method or another header', async () => {
    nowMs = T0 * 1000;
    for (const headers of [{}, { [own.uri]: `/a.pkg?token=${token}` }, { [own.method]: 'GET' }]) {
      const res = await ask(front, headers);
      expect([res.status, codeOf(res.body)]).toEqual([400, 'FORWARD_AUTH_BAD_REQUEST']);
    }
  });

  it.each(foreign)(
    'refuses a request that also carries %s, whatever its value, even with a valid token',
    async (name) => {
      nowMs = T0 * 1000;
      const isUri = name.endsWith('-uri');
      const good = fromFront(`/a.pkg?token=${token}`);
      // Agreeing, disagreeing (the attack: authorise another path) and empty copies.
      const values = isUri
        ? [`/a.pkg?token=${token}`, `/apps/App.ipa?token=${token}`, '']
        : ['GET', 'POST', ''];
      for (const value of values) {
        const res = await ask(front, { ...good, [name]: value });
        expect([value, res.status, codeOf(res.body)]).toEqual([
          value,
          403,
          'FORWARD_AUTH_HEADER_CONFLICT',
        ]);
        expect(res.headers['x-portcullis-token-fingerprint']).toBeUndefined();
      }
    },
  );

  it('refuses its own headers given twice (which copy would the front have meant?)', async () => {
    nowMs = T0 * 1000;
    const twiceUri = await ask(front, {
      [own.uri]: [`/a.pkg?token=${token}`, `/.env?token=${token}`],
      [own.method]: 'GET',
    });
    expect([twiceUri.status, codeOf(twiceUri.body)]).toEqual([403, 'FORWARD_AUTH_HEADER_CONFLICT']);
    const twiceMethod = await ask(front, {
      [own.uri]: `/a.pkg?token=${token}`,
      [own.method]: ['GET', 'POST'],
    });
    expect(twiceMethod.status).toBe(403);
    expect(codeOf(twiceMethod.body)).toBe('FORWARD_AUTH_HEADER_CONFLICT');
  });

  it('audits the path the front named, and a conflict without any path', async () => {
    nowMs = T0 * 1000;
    let before = events.length;
    await ask(front, fromFront(`/apps/Real%20One.ipa?token=${token}`));
    const [ok] = await eventsAfter(before);
    expect(ok).toMatchObject({ via: 'auth', path: '/apps/Real One.ipa', outcome: 'OK' });
    before = events.length;
    await ask(front, { ...fromFront(`/.env`), [foreign[0]!]: `/apps/App.ipa?token=${token}` });
    const [conflict] = await eventsAfter(before);
    expect(conflict).toMatchObject({
      via: 'auth',
      path: '-',
      status: 403,
      outcome: 'FORWARD_AUTH_HEADER_CONFLICT',
    });
    expect(conflict!.tokenFingerprint).toBeUndefined();
  });

  it('keeps resume grace bound to the file the front named', async () => {
    nowMs = T0 * 1000;
    const t = sign(key, { now: T0, expiresIn: 300 });
    const range = { range: 'bytes=100-' };
    expect((await ask(front, { ...fromFront(`/App.ipa?token=${t}`), ...range })).status).toBe(204);
    nowMs = (T0 + 400) * 1000; // 100 s after exp, inside the 600 s grace
    try {
      const same = await ask(front, { ...fromFront(`/App.ipa?token=${t}`), ...range });
      expect(same.status).toBe(204);
      const other = await ask(front, { ...fromFront(`/Other.ipa?token=${t}`), ...range });
      expect([other.status, codeOf(other.body)]).toEqual([401, 'TOKEN_EXPIRED']);
      // Naming the graced file in another front's header does not move the grace to Other.ipa.
      const spoofed = await ask(front, {
        ...fromFront(`/Other.ipa?token=${t}`),
        ...range,
        [foreign[0]!]: `/App.ipa?token=${t}`,
      });
      expect(spoofed.status).toBe(403);
    } finally {
      nowMs = T0 * 1000;
    }
  });
});

describe('authFront off', () => {
  it('answers every forward-auth call like an unknown reserved path, even with a valid token', async () => {
    nowMs = T0 * 1000;
    const unknownBody = await (await fetch(`${servers.get('off')!.url}/_portcullis/nope`)).text();
    const calls: Array<Record<string, string>> = [
      { 'x-original-uri': `/a.pkg?token=${token}`, 'x-forwarded-method': 'GET' },
      { 'x-forwarded-uri': `/a.pkg?token=${token}`, 'x-forwarded-method': 'GET' },
      {},
    ];
    for (const headers of calls) {
      const res = await ask('off', headers);
      expect(res.status).toBe(404);
      expect(res.body).toBe(unknownBody);
      expect(res.headers['x-portcullis-token-fingerprint']).toBeUndefined();
    }
  });

  it('still serves downloads, which never read the forward-auth headers', async () => {
    nowMs = T0 * 1000;
    const res = await fetch(`${servers.get('off')!.url}/Missing.ipa?token=${token}`, {
      headers: { 'x-original-uri': `/App.ipa?token=${token}`, 'x-forwarded-uri': '/App.ipa' },
    });
    expect(res.status).toBe(404); // the real path, not the header's
    expect(codeOf(await res.text())).toBe('NOT_FOUND');
  });
});

describe('the authFront setting', () => {
  it('defaults to nginx and comes from the flag, PORTCULLIS_AUTH_FRONT or the config file', () => {
    expect(loadServeConfig({ env: {} }).authFront).toBe('nginx');
    expect(loadServeConfig({ env: { PORTCULLIS_AUTH_FRONT: 'caddy' } }).authFront).toBe('caddy');
    expect(loadServeConfig({ flags: { authFront: 'off' }, env: {} }).authFront).toBe('off');
  });

  it('reads `auth-front: off` in YAML as the word, not as YAML 1.1’s boolean', async () => {
    const file = join(dir, 'portcullis.yaml');
    await writeFile(file, 'auth-front: off\n');
    expect(loadServeConfig({ file, env: {} }).authFront).toBe('off');
  });

  it('refuses a front it does not know at start-up, naming the setting and its source', () => {
    expect(() => loadServeConfig({ env: { PORTCULLIS_AUTH_FRONT: 'apache' } })).toThrow(
      /invalid setting "authFront" \(from PORTCULLIS_AUTH_FRONT\)/,
    );
  });
});

describe('portcullis serve --auth-front (the built CLI, two cluster workers)', () => {
  it('reaches every worker: each one refuses the other front’s header and accepts its own', async () => {
    ensureBuilt();
    const keyFile = join(dir, 'pub.pem');
    await writeFile(keyFile, key.publicPem);
    const args = ['serve', '--root', dir, '--key', keyFile, '--port', '0', '--no-admin'];
    const child = spawn(
      process.execPath,
      [CLI, ...args, '--workers', '2', '--auth-front', 'caddy'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          for (const line of out.split('\n')) {
            if (line.includes('"cluster ready"'))
              resolve((JSON.parse(line) as { url: string }).url);
          }
        });
        child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      const live = sign(key); // signed with the real clock: the CLI has no test clock
      const call = (headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          // agent: false → a new connection per call, so calls spread over both workers.
          const req = request(`${url}/_portcullis/auth`, { agent: false, headers }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
      const own = { 'x-forwarded-uri': `/App.ipa?token=${live}`, 'x-forwarded-method': 'GET' };
      for (let i = 0; i < 6; i++) {
        expect(await call(own)).toBe(204);
        expect(await call({ ...own, 'x-original-uri': `/App.ipa?token=${live}` })).toBe(403);
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    }
  }, 60_000);
});
