// Real nginx (auth_request) and caddy (forward_auth) in front of an in-process Portcullis, using
// the exact config files from docs/examples/. Locally a missing binary skips with a reason; in CI
// (process.env.CI) it fails, so the suite can never pass without having run these.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/serve.js';
import { signToken } from '../../src/token/sign.js';
import {
  CADDY_BIN,
  missingBinary,
  NGINX_BIN,
  type RunningWebServer,
  renderExample,
  startCaddy,
  startNginx,
} from '../helpers/webservers.js';
import { runCli } from './probe-fixtures.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const FILE = randomBytes(256 * 1024);
const FILE_PATH = '/apps/App%20One.ipa';
/** Bytes that must never be served: a dotfile inside the root and a file next to it. */
const SECRET = Buffer.from('SECRET-BYTES-THAT-MUST-NOT-LEAK');
let dir = '';
let portcullis: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-webservers-'));
  const root = join(dir, 'content');
  await mkdir(join(root, 'apps'), { recursive: true });
  await writeFile(join(root, 'apps', 'App One.ipa'), FILE);
  await writeFile(join(root, 'apps', '.secret.plist'), SECRET);
  await writeFile(join(dir, 'outside.txt'), SECRET);
  await writeFile(join(dir, 'pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  portcullis = await startServer({
    root,
    keys: [join(dir, 'pub.pem')],
    host: '127.0.0.1',
    port: 0,
    admin: false,
    workers: 1,
    logLevel: 'silent',
  });
});
afterAll(async () => {
  await portcullis?.close();
  await rm(dir, { recursive: true, force: true });
});

const portcullisAddress = () => new URL(portcullis.url).host;
const valid = () => signToken(privateKey, { expiresIn: '5m' });
const expired = () => signToken(privateKey, { now: Math.floor(Date.now() / 1000) - 7200 });

interface Front {
  name: string;
  missing: string | null;
  start(): Promise<RunningWebServer>;
}

const fronts: Front[] = [
  {
    name: 'nginx auth_request (docs/examples/nginx-auth-request.conf)',
    missing: missingBinary(NGINX_BIN),
    start: () =>
      startNginx((port) =>
        renderExample('nginx-auth-request.conf', {
          LISTEN: `127.0.0.1:${port}`,
          PORTCULLIS: portcullisAddress(),
          CONTENT_ROOT: join(dir, 'content'),
        }),
      ),
  },
  {
    name: 'caddy forward_auth (docs/examples/Caddyfile)',
    missing: missingBinary(CADDY_BIN),
    start: () =>
      startCaddy((port) =>
        renderExample('Caddyfile', {
          SITE: `http://127.0.0.1:${port}`,
          PORTCULLIS: portcullisAddress(),
          CONTENT_ROOT: join(dir, 'content'),
        }),
      ),
  },
];

async function get(url: string, init: RequestInit = {}) {
  const res = await fetch(url, { redirect: 'manual', ...init });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

describe.each(fronts)('$name', (front) => {
  let web: RunningWebServer;
  beforeAll(async () => {
    if (!front.missing) web = await front.start();
  });
  afterAll(async () => {
    await web?.close();
  });
  const run = it.skipIf(front.missing !== null);
  if (front.missing) it.skip(`skipped: ${front.missing}`, () => {});

  run('serves the file to a valid token, straight from disk', async () => {
    const { res, body } = await get(`${web.url}${FILE_PATH}?token=${valid()}`);
    expect(res.status).toBe(200);
    expect(body.equals(FILE)).toBe(true);
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
  });

  run('passes a byte range through for a valid token', async () => {
    const { res, body } = await get(`${web.url}${FILE_PATH}?token=${valid()}`, {
      headers: { range: 'bytes=1000-1999' },
    });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 1000-1999/${FILE.length}`);
    expect(body.equals(FILE.subarray(1000, 2000))).toBe(true);
  });

  run('accepts the token in Authorization: Bearer as well', async () => {
    const { res, body } = await get(`${web.url}${FILE_PATH}`, {
      headers: { authorization: `Bearer ${valid()}` },
    });
    expect(res.status).toBe(200);
    expect(body.equals(FILE)).toBe(true);
  });

  run('refuses an expired token with 401 and Portcullis’ own error code', async () => {
    const { res, body } = await get(`${web.url}${FILE_PATH}?token=${expired()}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="portcullis", error=/);
    expect(JSON.parse(body.toString())).toMatchObject({ code: 'TOKEN_EXPIRED' });
    expect(body.includes(FILE.subarray(0, 16))).toBe(false);
  });

  run('refuses a missing token with 401 TOKEN_MISSING', async () => {
    const { res, body } = await get(`${web.url}${FILE_PATH}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="portcullis"');
    expect(JSON.parse(body.toString())).toMatchObject({ code: 'TOKEN_MISSING' });
  });

  run('answers a refusal for a missing file exactly like one for an existing file', async () => {
    const token = expired();
    const a = await get(`${web.url}${FILE_PATH}?token=${token}`);
    const b = await get(`${web.url}/apps/Nope.ipa?token=${token}`);
    expect(b.res.status).toBe(a.res.status);
    expect(b.body.equals(a.body)).toBe(true);
  });

  run('refuses methods other than GET/HEAD without serving the file', async () => {
    const { res, body } = await get(`${web.url}${FILE_PATH}?token=${valid()}`, {
      method: 'POST',
      body: 'x',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(body.includes(FILE.subarray(0, 16))).toBe(false);
  });

  run.each([
    '/apps/.secret.plist',
    '/apps/%2esecret.plist',
    '/apps/..%2f..%2foutside.txt',
    '/apps/%2e%2e/%2e%2e/outside.txt',
    '/apps/..%5c..%5coutside.txt',
  ])('a valid token cannot fetch %s through the front server', async (path) => {
    const { res, body } = await get(`${web.url}${path}?token=${valid()}`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(body.includes(SECRET)).toBe(false);
  });

  run('HEAD with a valid token reports the size without a body', async () => {
    const { res, body } = await get(`${web.url}${FILE_PATH}?token=${valid()}`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(FILE.length));
    expect(body.length).toBe(0);
  });
});

describe('portcullis probe (CLI) against real servers', () => {
  const nginxMissing = missingBinary(NGINX_BIN);
  let keyFile = '';
  beforeAll(async () => {
    keyFile = join(dir, 'jamf-key.pem');
    await writeFile(keyFile, privateKey.export({ type: 'pkcs1', format: 'pem' }));
  });

  it('passes Portcullis serve itself (exit 0)', async () => {
    const { code, out } = await runCli([
      'probe',
      `${portcullis.url}${FILE_PATH}`,
      '--key',
      keyFile,
    ]);
    expect(out).toMatch(/^OK: every hostile token was refused/m);
    expect(code).toBe(0);
  });

  it.skipIf(nginxMissing !== null)('passes nginx + Portcullis auth_request (exit 0)', async () => {
    const web = await fronts[0]!.start();
    try {
      const { code, out } = await runCli(['probe', `${web.url}${FILE_PATH}`, '--key', keyFile]);
      expect(out).toMatch(/^jku-header\s.*401 HEADER_NOT_ALLOWED\s+PASS$/m);
      expect(code).toBe(0);
    } finally {
      await web.close();
    }
  });

  it.skipIf(fronts[1]!.missing !== null)(
    'passes Caddy + Portcullis forward_auth (exit 0)',
    async () => {
      const web = await fronts[1]!.start();
      try {
        const { code, out } = await runCli(['probe', `${web.url}${FILE_PATH}`, '--key', keyFile]);
        expect(out).toMatch(/^hs256-public-key\s.*401 ALG_NOT_ALLOWED\s+PASS$/m);
        expect(code).toBe(0);
      } finally {
        await web.close();
      }
    },
  );

  it.skipIf(nginxMissing !== null)(
    'fails plain nginx serving files unchecked (exit 1)',
    async () => {
      const root = join(dir, 'content');
      const web = await startNginx(
        (port) => `server { listen 127.0.0.1:${port}; root ${root}; }\n`,
      );
      try {
        const { code, out } = await runCli(['probe', `${web.url}${FILE_PATH}`, '--key', keyFile]);
        expect(code).toBe(1);
        expect(out).toMatch(/^alg-none\s.*200 content\s+FAIL$/m);
        expect(out).toMatch(/^FAILED: 14 of 15 checks failed/m);
      } finally {
        await web.close();
      }
    },
  );
});
