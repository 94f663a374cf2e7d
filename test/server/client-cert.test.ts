// Device identity on the content listener: TLS client certificates from an openssl-made MDM CA,
// over real TLS on loopback (node:https, undici, curl), in each `auth` mode.
import { execFile, execFileSync } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { Agent, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer, ServeOptions } from '../../src/app/serve.js';
import type { DownloadEvent } from '../../src/contracts/download-event.js';
import { storeAuditSink } from '../../src/store/audit-sink.js';
import { auditToCsv } from '../../src/store/csv.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { type DeviceCert, type DevicePki, makeDevicePki } from '../helpers/device-pki.js';
import { selfSignedCertificate } from '../helpers/tls.js';
import { eventually } from '../helpers/wait.js';
import {
  makeKey,
  removeDir,
  sign,
  startQuiet,
  type TestKey,
  tempDir,
  writeKeyFile,
} from './serve-helpers.js';

const execFileAsync = promisify(execFile);

let dir: string;
let root: string;
let pki: DevicePki;
let tls: { cert: string; key: string };
let jamf: TestKey;
let keyFile: string;
const events: DownloadEvent[] = [];

beforeAll(async () => {
  dir = await tempDir('portcullis-client-cert-');
  root = join(dir, 'content');
  execFileSync('mkdir', ['-p', join(root, 'apps')]);
  await writeFile(join(root, 'apps', 'App.ipa'), 'app bytes');
  pki = makeDevicePki(dir);
  tls = selfSignedCertificate(dir, 'server');
  jamf = makeKey();
  keyFile = await writeKeyFile(dir, 'jamf.pub.pem', jamf);
});
afterAll(() => removeDir(dir));

interface Answer {
  status: number;
  code: string | undefined;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One GET over its own TLS connection, presenting `device` (its chain with `chain`). */
function get(
  url: string,
  opts: {
    device?: DeviceCert;
    chain?: boolean;
    agent?: Agent;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const client = opts.device
    ? {
        cert: readFileSyncUtf8(opts.chain ? opts.device.chain : opts.device.cert),
        key: readFileSyncUtf8(opts.device.key),
      }
    : {};
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        rejectUnauthorized: false,
        ...(opts.agent ? { agent: opts.agent } : { agent: false, ...client }),
        headers: opts.headers ?? {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          let code: string | undefined;
          try {
            code = (JSON.parse(body) as { code?: string }).code;
          } catch {
            code = undefined;
          }
          const headers = { ...res.headers };
          delete headers.date;
          resolve({ status: res.statusCode ?? 0, code, body, headers });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const fileCache = new Map<string, string>();
function readFileSyncUtf8(path: string): string {
  let text = fileCache.get(path);
  if (text === undefined) {
    text = execFileSync('cat', [path]).toString();
    fileCache.set(path, text);
  }
  return text;
}

function start(options: ServeOptions): Promise<RunningServer> {
  return startQuiet({
    root,
    keys: [keyFile],
    tlsCert: tls.cert,
    tlsKey: tls.key,
    admin: false,
    auditSink: { record: (e: DownloadEvent) => events.push(e) },
    ...options,
  });
}

describe('auth client-cert with a CRL', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start({
      auth: 'client-cert',
      clientCa: pki.rootCa,
      clientCrl: pki.rootCrl,
      authFront: 'off',
    });
  });
  afterAll(() => server.close());

  it('serves the file to a device presenting its valid identity certificate, and audits who', async () => {
    const r = await get(`${server.url}/apps/App.ipa`, { device: pki.devices.valid });
    expect(r.status).toBe(200);
    expect(r.body).toBe('app bytes');
    await eventually(() =>
      events.some(
        (e) => e.path === '/apps/App.ipa' && e.clientCertSerial === pki.devices.valid.serial,
      ),
    );
    const event = events.find((e) => e.clientCertSerial === pki.devices.valid.serial)!;
    expect(event).toMatchObject({
      status: 200,
      outcome: 'OK',
      clientCertSubject: 'CN=device-valid, O=Example School',
      clientCertIssuer: 'O=Portcullis Test MDM, CN=root-ca',
    });
    expect(event.tokenFingerprint).toBeUndefined();
  });

  it.each([
    ['no certificate', undefined, 'CLIENT_CERT_REQUIRED'],
    ['an expired certificate', 'expired', 'CLIENT_CERT_EXPIRED'],
    ['a certificate not valid yet', 'future', 'CLIENT_CERT_NOT_YET_VALID'],
    ['a certificate of another CA', 'wrongCa', 'CLIENT_CERT_UNTRUSTED'],
    ['a certificate without the clientAuth EKU', 'serverOnly', 'CLIENT_CERT_UNTRUSTED'],
    ['a revoked certificate', 'revoked', 'CLIENT_CERT_REVOKED'],
    [
      'a certificate naming the root as issuer but signed by another key',
      'forgedIssuer',
      'CLIENT_CERT_UNTRUSTED',
    ],
    ["the CA's own certificate and key", 'rootCaItself', 'CLIENT_CERT_UNTRUSTED'],
  ] as const)(
    'refuses %s with 403 %s, byte-identical for a missing file',
    async (_n, which, code) => {
      const device = which === undefined ? undefined : pki.devices[which];
      const existing = await get(`${server.url}/apps/App.ipa`, device ? { device } : {});
      const missing = await get(`${server.url}/apps/Missing.ipa`, device ? { device } : {});
      expect(existing).toMatchObject({ status: 403, code });
      expect(missing.body).toBe(existing.body);
      expect(missing.headers).toEqual(existing.headers);
      expect(existing.body).not.toContain('device-');
    },
  );

  it('ignores a token in client-cert mode', async () => {
    const r = await get(`${server.url}/apps/App.ipa?token=${sign(jamf)}`);
    expect(r).toMatchObject({ status: 403, code: 'CLIENT_CERT_REQUIRED' });
  });

  it('answers health checks without a certificate', async () => {
    expect((await get(`${server.url}/_portcullis/healthz`)).status).toBe(200);
  });

  it('records the revoked device (its chain verified) but nothing of an untrusted one', async () => {
    await get(`${server.url}/apps/App.ipa`, { device: pki.devices.wrongCa });
    await eventually(() => events.some((e) => e.outcome === 'CLIENT_CERT_UNTRUSTED'));
    for (const e of events.filter((x) => x.outcome === 'CLIENT_CERT_UNTRUSTED')) {
      expect(e.clientCertSerial).toBeUndefined();
    }
  });

  it('works with curl (--cert/--key) as well', async () => {
    const url = `${server.url}/apps/App.ipa`;
    // Asynchronous: the server runs in this process.
    const curl = async (args: string[]) =>
      (await execFileAsync('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', ...args, url]))
        .stdout;
    expect(await curl(['--cert', pki.devices.valid.cert, '--key', pki.devices.valid.key])).toBe(
      '200',
    );
    expect(await curl([])).toBe('403');
    expect(await curl(['--cert', pki.devices.revoked.cert, '--key', pki.devices.revoked.key])).toBe(
      '403',
    );
  });

  it('works with undici (fetch) as well', async () => {
    const dispatcher = new UndiciAgent({
      connect: {
        rejectUnauthorized: false,
        cert: readFileSyncUtf8(pki.devices.valid.cert),
        key: readFileSyncUtf8(pki.devices.valid.key),
      },
    });
    const res = await undiciFetch(`${server.url}/apps/App.ipa`, { dispatcher });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('app bytes');
    await dispatcher.close();
  });

  it('never resumes a TLS session (a resumed session would skip the fresh verification)', async () => {
    const agent = new Agent({
      keepAlive: false,
      maxCachedSessions: 10,
      rejectUnauthorized: false,
      cert: readFileSyncUtf8(pki.devices.valid.cert),
      key: readFileSyncUtf8(pki.devices.valid.key),
    });
    const reused: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = request(`${server.url}/apps/App.ipa`, { agent }, (res) => {
          reused.push((res.socket as import('node:tls').TLSSocket).isSessionReused());
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end();
      });
    }
    agent.destroy();
    expect(reused).toEqual([false, false, false]);
  });
});

describe('an intermediate CA between the root and the device', () => {
  const url = (server: RunningServer) => `${server.url}/apps/App.ipa`;
  const via = () => pki.devices.viaIntermediate;
  let crls: string;
  beforeAll(async () => {
    crls = join(dir, 'root-and-intermediate.crl.pem');
    await writeFile(
      crls,
      (await readFile(pki.rootCrl, 'utf8')) + (await readFile(pki.intermediateCrl, 'utf8')),
    );
  });
  const withServer = async (options: ServeOptions, body: (s: RunningServer) => Promise<void>) => {
    const server = await start({ auth: 'client-cert', authFront: 'off', ...options });
    try {
      await body(server);
    } finally {
      await server.close();
    }
  };

  it('admits a device that sends its chain to the root, and refuses its bare leaf', () =>
    withServer({ clientCa: pki.rootCa }, async (server) => {
      expect((await get(url(server), { device: via(), chain: true })).status).toBe(200);
      expect(await get(url(server), { device: via() })).toMatchObject({
        status: 403,
        code: 'CLIENT_CERT_UNTRUSTED',
      });
    }));

  it('checks the CRL of every CA in the chain (given in the bundle with its list)', async () => {
    await withServer({ clientCa: pki.rootAndIntermediateCa, clientCrl: crls }, async (server) => {
      expect((await get(url(server), { device: via(), chain: true })).status).toBe(200);
      expect((await get(url(server), { device: via() })).status).toBe(200);
    });
    await withServer(
      { clientCa: pki.rootAndIntermediateCa, clientCrl: pki.rootCrl },
      async (server) => {
        expect(await get(url(server), { device: via(), chain: true })).toMatchObject({
          status: 403,
          code: 'CLIENT_CERT_REVOCATION_UNKNOWN',
        });
        // The root's own devices are unaffected.
        expect((await get(url(server), { device: pki.devices.valid })).status).toBe(200);
      },
    );
  });

  it('refuses at start a CRL whose CA is not in the bundle', async () => {
    await expect(
      start({ auth: 'client-cert', authFront: 'off', clientCa: pki.rootCa, clientCrl: crls }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/"clientCrl".*list 2.*not signed by a CA in the bundle/),
    });
  });
});

describe('auth token-or-client-cert (no CRL)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start({ auth: 'token-or-client-cert', clientCa: pki.rootCa });
  });
  afterAll(() => server.close());

  it('admits a certificate, or a token, and says TOKEN_MISSING with neither', async () => {
    const url = `${server.url}/apps/App.ipa`;
    expect((await get(url, { device: pki.devices.valid })).status).toBe(200);
    expect((await get(`${url}?token=${sign(jamf)}`)).status).toBe(200);
    expect(await get(url)).toMatchObject({ status: 401, code: 'TOKEN_MISSING' });
  });

  it('never reads a certificate from a header (only the TLS connection carries one)', async () => {
    const pem = readFileSyncUtf8(pki.devices.valid.cert).replace(/\n/g, ' ');
    const headers = {
      'x-ssl-client-cert': encodeURIComponent(pem),
      'x-client-cert': pem,
      'ssl-client-cert': pem,
      'x-forwarded-client-cert': `Cert="${encodeURIComponent(pem)}"`,
    };
    expect(await get(`${server.url}/apps/App.ipa`, { headers })).toMatchObject({
      status: 401,
      code: 'TOKEN_MISSING',
    });
  });

  it('never trades a presented certificate that fails for a token', async () => {
    const url = `${server.url}/apps/App.ipa?token=${sign(jamf)}`;
    expect(await get(url, { device: pki.devices.wrongCa })).toMatchObject({
      status: 403,
      code: 'CLIENT_CERT_UNTRUSTED',
    });
    expect(await get(url, { device: pki.devices.expired })).toMatchObject({
      status: 403,
      code: 'CLIENT_CERT_EXPIRED',
    });
  });

  it("keeps forward-auth token-only: the front server's connection is not the device's", async () => {
    const headers = { 'x-original-uri': '/apps/App.ipa', 'x-forwarded-method': 'GET' };
    const withCert = await get(`${server.url}/_portcullis/auth`, {
      device: pki.devices.valid,
      headers,
    });
    expect(withCert).toMatchObject({ status: 401, code: 'TOKEN_MISSING' });
  });
});

describe('proxy mode and content extensions', () => {
  it('proxies for a verified device and hands the extension the certificate, not a token', async () => {
    const upstream = createHttpServer((_req, res) => res.end('from upstream'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const seen: unknown[] = [];
    const server = await startQuiet({
      upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      keys: [keyFile],
      tlsCert: tls.cert,
      tlsKey: tls.key,
      admin: false,
      auth: 'client-cert',
      clientCa: pki.rootCa,
      authFront: 'off',
      contentExtensions: [
        {
          path: '/_portcullis/manifest/',
          token: 'required',
          via: 'manifest',
          subject: (rest) => `/${rest.replace(/\.plist$/, '')}`,
          plan: (request) => {
            seen.push(request);
            return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'manifest' };
          },
        },
      ],
    });
    try {
      const proxied = await get(`${server.url}/apps/App.ipa`, { device: pki.devices.valid });
      expect(proxied).toMatchObject({ status: 200, body: 'from upstream' });
      expect((await get(`${server.url}/apps/App.ipa`)).code).toBe('CLIENT_CERT_REQUIRED');
      const manifest = await get(`${server.url}/_portcullis/manifest/apps/App.ipa.plist`, {
        device: pki.devices.valid,
      });
      expect(manifest).toMatchObject({ status: 200, body: 'manifest' });
      expect(seen[0]).toMatchObject({
        subject: '/apps/App.ipa',
        certificate: { serialNumber: pki.devices.valid.serial },
      });
      expect((seen[0] as { token?: unknown }).token).toBeUndefined();
      const refused = await get(`${server.url}/_portcullis/manifest/apps/App.ipa.plist`, {
        device: pki.devices.revoked,
      });
      // No CRL here: revocation is not checked, but the chain is.
      expect(refused.status).toBe(200);
      const untrusted = await get(`${server.url}/_portcullis/manifest/apps/App.ipa.plist`, {
        device: pki.devices.wrongCa,
      });
      expect(untrusted).toMatchObject({ status: 403, code: 'CLIENT_CERT_UNTRUSTED' });
      expect(seen).toHaveLength(2);
    } finally {
      await server.close();
      upstream.close();
    }
  });
});

describe('CRL reload', () => {
  let server: RunningServer;
  let crlFile: string;
  beforeAll(async () => {
    crlFile = join(dir, 'live.crl.pem');
    await copyFile(pki.rootCrlEmpty, crlFile);
    server = await start({
      auth: 'client-cert',
      clientCa: pki.rootCa,
      clientCrl: crlFile,
      authFront: 'off',
      keyWatchDebounceMs: 50,
    });
  });
  afterAll(() => server.close());

  it('revokes on SIGHUP-style reload, even on a keep-alive connection opened before', async () => {
    const agent = new Agent({
      keepAlive: true,
      maxSockets: 1,
      rejectUnauthorized: false,
      cert: readFileSyncUtf8(pki.devices.revoked.cert),
      key: readFileSyncUtf8(pki.devices.revoked.key),
    });
    try {
      const url = `${server.url}/apps/App.ipa`;
      expect((await get(url, { agent })).status).toBe(200);
      await writeFile(crlFile, await readFile(pki.rootCrl));
      await server.reloadKeys();
      expect(await get(url, { agent })).toMatchObject({ status: 403, code: 'CLIENT_CERT_REVOKED' });
      expect(await get(url, { device: pki.devices.revoked })).toMatchObject({
        status: 403,
        code: 'CLIENT_CERT_REVOKED',
      });
    } finally {
      agent.destroy();
    }
  });

  it('keeps the previous CRL when the new file is broken, and says so', async () => {
    await writeFile(crlFile, await readFile(pki.otherCrl));
    await expect(server.reloadKeys()).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    const url = `${server.url}/apps/App.ipa`;
    expect((await get(url, { device: pki.devices.valid })).status).toBe(200);
    expect((await get(url, { device: pki.devices.revoked })).code).toBe('CLIENT_CERT_REVOKED');
  });

  it('refuses every device once the CRL is stale (fail closed), and recovers with a current one', async () => {
    await writeFile(crlFile, await readFile(pki.rootCrlStale));
    await server.reloadKeys();
    const url = `${server.url}/apps/App.ipa`;
    expect(await get(url, { device: pki.devices.valid })).toMatchObject({
      status: 403,
      code: 'CLIENT_CERT_REVOCATION_UNKNOWN',
    });
    // DER, dropped into place: the file watcher picks it up without a SIGHUP.
    await writeFile(crlFile, await readFile(pki.rootCrlDer));
    await eventually(async () => (await get(url, { device: pki.devices.valid })).status === 200);
    expect((await get(url, { device: pki.devices.revoked })).code).toBe('CLIENT_CERT_REVOKED');
  });
});

describe('the audit store and the metrics', () => {
  it('stores the device in a real SQLite audit row (and the CSV), and counts refusals per code', async () => {
    const store = openSqliteStore({ dataDir: join(dir, 'store') });
    const sink = storeAuditSink(store, { flushMs: 600_000 });
    const server = await start({
      auth: 'client-cert',
      clientCa: pki.rootCa,
      clientCrl: pki.rootCrl,
      authFront: 'off',
      admin: true,
      auditSink: sink,
    });
    try {
      const url = `${server.url}/apps/App.ipa`;
      expect((await get(url, { device: pki.devices.valid })).status).toBe(200);
      expect((await get(url, { device: pki.devices.revoked })).status).toBe(403);
      expect((await get(url, { device: pki.devices.revoked })).status).toBe(403);
      expect((await get(url, { device: pki.devices.wrongCa })).status).toBe(403);
      const metrics = await (await fetch(`${server.adminUrl}/metrics`)).text();
      expect(metrics).toMatch(
        /portcullis_requests_total\{outcome="CLIENT_CERT_REVOKED",via="file"\} 2/,
      );
      expect(metrics).toMatch(
        /portcullis_requests_total\{outcome="CLIENT_CERT_UNTRUSTED",via="file"\} 1/,
      );
      await eventually(async () => {
        await sink.flush();
        return (await store.audit.query({})).items.length === 4;
      });
      const { items } = await store.audit.query({});
      const ok = items.find((e) => e.outcome === 'OK')!;
      expect(ok).toMatchObject({
        status: 200,
        clientCertSubject: 'CN=device-valid, O=Example School',
        clientCertSerial: pki.devices.valid.serial,
        clientCertIssuer: 'O=Portcullis Test MDM, CN=root-ca',
      });
      const revoked = items.filter((e) => e.outcome === 'CLIENT_CERT_REVOKED');
      expect(revoked).toHaveLength(2);
      expect(revoked.every((e) => e.clientCertSerial === pki.devices.revoked.serial)).toBe(true);
      const untrusted = items.find((e) => e.outcome === 'CLIENT_CERT_UNTRUSTED')!;
      expect(untrusted.clientCertSerial).toBeUndefined();
      expect(auditToCsv([ok])).toContain(`,${pki.devices.valid.serial},`);
    } finally {
      await server.close();
      await sink.close();
      await store.close();
    }
  });
});

describe('start-up refusals', () => {
  it.each([
    [
      'clientCa without TLS',
      { tlsCert: undefined, tlsKey: undefined, auth: 'client-cert', authFront: 'off' },
      /"clientCa".*HTTPS/,
    ],
    [
      'auth client-cert without clientCa',
      { clientCa: undefined, auth: 'client-cert', authFront: 'off' },
      /"auth".*needs clientCa/,
    ],
    ['clientCa with auth token', { auth: 'token' }, /"clientCa".*unused/],
    ['client-cert with forward-auth on', { auth: 'client-cert' }, /"authFront".*token-only/],
    [
      'a CRL without clientCa',
      { clientCa: undefined, auth: 'token', clientCrl: 'x.crl' },
      /"clientCrl"/,
    ],
  ] as const)('refuses %s', async (_name, override, message) => {
    const base: Record<string, unknown> = { auth: 'token-or-client-cert', clientCa: 'PKI' };
    const options: Record<string, unknown> = { ...base, ...override };
    if (options.clientCa === 'PKI') options.clientCa = pki.rootCa;
    await expect(start(options as ServeOptions)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(message),
    });
  });

  it('refuses a CRL that no CA of the bundle signed, and a device certificate given as the CA', async () => {
    const base = { auth: 'client-cert', authFront: 'off' } as const;
    await expect(
      start({ ...base, clientCa: pki.rootCa, clientCrl: pki.otherCrl }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/"clientCrl".*not signed/),
    });
    await expect(start({ ...base, clientCa: pki.devices.valid.cert })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/"clientCa".*not a CA/),
    });
  });
});
