// Real nginx (auth_request), caddy (forward_auth) and Apache httpd (TLS reverse proxy) in front of
// an in-process Portcullis, using the exact config files from docs/examples/, each front with the
// --auth-front its guide prescribes. Hostile original-request headers: webservers-headers.test.ts.
// Locally a missing binary skips with a reason; in CI (process.env.CI) it fails, so the suite can
// never pass without having run these.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/serve.js';
import type { AuthFront } from '../../src/server/forward-auth-front.js';
import { signToken } from '../../src/token/sign.js';
import {
  EXAMPLE_FRONTS,
  type FrontSetup,
  fetchGet,
  type Get,
  type StartedFront,
} from '../helpers/example-fronts.js';
import {
  APACHE_BIN,
  missingBinary,
  NGINX_BIN,
  type RunningWebServer,
  renderExample,
  startApache,
  startNginx,
} from '../helpers/webservers.js';
import { runCli } from '../probe/fixtures.js';

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
  portcullis = await startPortcullis({ root });
});

/** Portcullis on loopback with the test key: serving `root`, or in proxy mode for `upstream`. */
function startPortcullis(
  source: { root: string } | { upstream: string },
  authFront: AuthFront = 'off',
): Promise<RunningServer> {
  return startServer({
    ...source,
    authFront,
    keys: [join(dir, 'pub.pem')],
    host: '127.0.0.1',
    port: 0,
    admin: false,
    workers: 1,
    logLevel: 'silent',
  });
}
afterAll(async () => {
  await portcullis?.close();
  await rm(dir, { recursive: true, force: true });
});

const valid = () => signToken(privateKey, { expiresIn: '5m' });
const expired = () => signToken(privateKey, { now: Math.floor(Date.now() / 1000) - 7200 });

/** Each front in front of its own Portcullis, run as the front's guide says. */
const setup = (): FrontSetup => ({
  contentRoot: join(dir, 'content'),
  startPortcullis: (authFront) => startPortcullis({ root: join(dir, 'content') }, authFront),
});

describe.each(EXAMPLE_FRONTS)('$name', (front) => {
  let web: RunningWebServer;
  let get: Get;
  let started: StartedFront;
  beforeAll(async () => {
    if (front.missing) return;
    started = await front.start(setup());
    ({ web, get } = started);
  });
  afterAll(async () => {
    await started?.close();
  });
  const run = it.skipIf(front.missing !== null);
  if (front.missing) it.skip(`skipped: ${front.missing}`, () => {});

  run('serves the file to a valid token, straight from disk', async () => {
    const { res, body } = await get(`${web.url}${FILE_PATH}?token=${valid()}`);
    expect(res.status).toBe(200);
    expect(body.equals(FILE)).toBe(true);
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    // Whoever serves the bytes, content cannot run script in the distribution origin (issue 10 §8).
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
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

  // Only the fronts whose example config writes an access log get this test.
  if (front.accessLog)
    run('keeps tokens out of its access log', async () => {
      const readLog = started.accessLog!;
      const token = valid();
      await get(`${web.url}${FILE_PATH}?token=${token}`);
      // Apache writes the line once the response is done; give it a moment.
      let log = '';
      const line = /\/apps\/App(%20| )One\.ipa/;
      for (let i = 0; i < 50 && !line.test(log); i++) {
        await new Promise((r) => setTimeout(r, 50));
        log = await readLog().catch(() => '');
      }
      expect(log).toMatch(line);
      expect(log).not.toContain(token);
      expect(log).not.toContain('token=');
    });
});

describe('Portcullis proxy mode in front of Apache serving files (docs/examples/apache-files-upstream.conf)', () => {
  const missing = missingBinary(APACHE_BIN);
  const run = it.skipIf(missing !== null);
  if (missing) it.skip(`skipped: ${missing}`, () => {});
  let files = '';
  let apache: RunningWebServer;
  let proxy: RunningServer;
  let apacheLog = '';
  const get = fetchGet;

  beforeAll(async () => {
    if (missing) return;
    // Apache's worker runs as www-data (in CI, as root, it drops to it): the files must be readable.
    files = await mkdtemp(join(tmpdir(), 'portcullis-apache-files-'));
    await mkdir(join(files, 'apps'));
    await writeFile(join(files, 'apps', 'App One.ipa'), FILE);
    await writeFile(join(files, 'apps', '.secret.plist'), SECRET);
    for (const d of [files, join(files, 'apps')]) await chmod(d, 0o755);
    // Apache makes a weak ETag for a file modified within the last second (which If-Range then
    // never matches); content on a distribution point is older than that.
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(join(files, 'apps', 'App One.ipa'), anHourAgo, anHourAgo);
    apache = await startApache((port, apacheDir) => {
      apacheLog = join(apacheDir, 'files-access.log');
      return renderExample('apache-files-upstream.conf', {
        LISTEN: `127.0.0.1:${port}`,
        CONTENT_ROOT: files,
        LOG_DIR: apacheDir,
      });
    });
    proxy = await startPortcullis({ upstream: apache.url });
  });
  afterAll(async () => {
    await proxy?.close();
    await apache?.close();
    if (files) await rm(files, { recursive: true, force: true });
  });

  run('streams the file from Apache to a valid token, and ranges with If-Range', async () => {
    const whole = await get(`${proxy.url}${FILE_PATH}?token=${valid()}`);
    expect(whole.res.status).toBe(200);
    expect(whole.body.equals(FILE)).toBe(true);
    const etag = whole.res.headers.get('etag');
    expect(etag).toMatch(/^"/); // Apache's own strong ETag, passed through
    const part = await get(`${proxy.url}${FILE_PATH}?token=${valid()}`, {
      headers: { range: 'bytes=100-199', 'if-range': etag! },
    });
    expect(part.res.status).toBe(206);
    expect(part.body.equals(FILE.subarray(100, 200))).toBe(true);
    // A resume against a file that changed since (another ETag) must restart from byte 0.
    const stale = await get(`${proxy.url}${FILE_PATH}?token=${valid()}`, {
      headers: { range: 'bytes=100-199', 'if-range': '"not-this-version"' },
    });
    expect(stale.res.status).toBe(200);
    expect(stale.body.equals(FILE)).toBe(true);
  });

  run(
    'answers with Portcullis refusals, never Apache pages, and never asks Apache first',
    async () => {
      // Apache writes its access log line after the response has gone, so lines of earlier
      // requests may still arrive: each refused request is made recognisable instead (a range no
      // other request asks for, a path no other request names), then a last request that does
      // reach Apache marks the point by which they would have been logged.
      const noToken = await get(`${proxy.url}${FILE_PATH}`, { headers: { range: 'bytes=3-5' } });
      expect(noToken.res.status).toBe(401);
      expect(JSON.parse(noToken.body.toString())).toMatchObject({ code: 'TOKEN_MISSING' });
      const dotfile = await get(`${proxy.url}/apps/.secret.plist?token=${valid()}`);
      expect(dotfile.res.status).toBe(400);
      expect(dotfile.body.includes(SECRET)).toBe(false);
      const marker = await get(`${proxy.url}${FILE_PATH}?token=${valid()}`, {
        headers: { range: 'bytes=7-8' },
      });
      expect(marker.res.status).toBe(206);
      let log = '';
      for (let i = 0; i < 100 && !log.includes('" 206 2'); i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 50));
        log = await readFile(apacheLog, 'utf8').catch(() => '');
      }
      expect(log).toContain('" 206 2');
      expect(log).not.toContain('" 206 3');
      expect(log).not.toContain('.secret');
      const missingFile = await get(`${proxy.url}/apps/Nope.ipa?token=${valid()}`);
      expect(missingFile.res.status).toBe(404);
      expect(JSON.parse(missingFile.body.toString())).toMatchObject({ code: 'NOT_FOUND' });
      expect(missingFile.body.toString()).not.toMatch(/apache|<html/i);
    },
  );

  run('keeps the token out of Apache’s access log, which logs the whole request line', async () => {
    const token = valid();
    await get(`${proxy.url}${FILE_PATH}?token=${token}`);
    let log = '';
    for (
      let i = 0;
      i < 50 && !log.includes(token.slice(0, 10)) && !log.includes('App%20One');
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
      log = await readFile(apacheLog, 'utf8').catch(() => '');
    }
    expect(log).toContain('GET /apps/App%20One.ipa HTTP/1.1');
    expect(log).not.toContain('token');
    expect(log).not.toContain(token.slice(0, 20));
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
    const { web, close } = await EXAMPLE_FRONTS[0]!.start(setup());
    try {
      const { code, out } = await runCli(['probe', `${web.url}${FILE_PATH}`, '--key', keyFile]);
      expect(out).toMatch(/^jku-header\s.*401 HEADER_NOT_ALLOWED\s+PASS$/m);
      expect(code).toBe(0);
    } finally {
      await close();
    }
  });

  it.skipIf(EXAMPLE_FRONTS[1]!.missing !== null)(
    'passes Caddy + Portcullis forward_auth (exit 0)',
    async () => {
      const { web, close } = await EXAMPLE_FRONTS[1]!.start(setup());
      try {
        const { code, out } = await runCli(['probe', `${web.url}${FILE_PATH}`, '--key', keyFile]);
        expect(out).toMatch(/^hs256-public-key\s.*401 ALG_NOT_ALLOWED\s+PASS$/m);
        expect(code).toBe(0);
      } finally {
        await close();
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
