// Device identity, the outside review's findings (attack2): the whole chain re-checked per request
// on keep-alive connections, device-CA-sized CRLs, loud failed reloads, FIFOs and devices given
// as TLS files, and names with bidi controls. Real TLS on loopback, PKI made by the openssl CLI.
import { execFileSync } from 'node:child_process';
import { copyFile, readFile, rename, truncate, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer, ServeOptions } from '../../src/app/serve.js';
import { readPinningCerts } from '../../src/catalog/pinning.js';
import type { DownloadEvent } from '../../src/contracts/download-event.js';
import { loadServeConfig } from '../../src/server/config.js';
import {
  type DeviceCert,
  type DevicePki,
  issueDevice,
  largeCrl,
  makeDevicePki,
  revokeAndPublish,
} from '../helpers/device-pki.js';
import { selfSignedCertificate } from '../helpers/tls.js';
import { makeKey, removeDir, startQuiet, tempDir, writeKeyFile } from './serve-helpers.js';

let dir: string;
let root: string;
let pki: DevicePki;
let tls: { cert: string; key: string };
let keyFile: string;
const events: DownloadEvent[] = [];

beforeAll(async () => {
  dir = await tempDir('portcullis-client-cert-chain-');
  root = join(dir, 'content');
  execFileSync('mkdir', ['-p', join(root, 'apps')]);
  await writeFile(join(root, 'apps', 'App.ipa'), 'app bytes');
  pki = makeDevicePki(dir);
  tls = selfSignedCertificate(dir, 'server');
  keyFile = await writeKeyFile(dir, 'jamf.pub.pem', makeKey());
});
afterAll(() => removeDir(dir));

interface Answer {
  status: number;
  code: string | undefined;
  body: string;
  localPort: number;
}

const text = (f: string) => execFileSync('cat', [f]).toString();

/** A keep-alive agent holding one connection that presents `device` with its chain. */
const keepAlive = (device: DeviceCert) =>
  new Agent({
    keepAlive: true,
    maxSockets: 1,
    rejectUnauthorized: false,
    cert: text(device.chain),
    key: text(device.key),
  });

function get(url: string, opts: { device?: DeviceCert; agent?: Agent } = {}): Promise<Answer> {
  const client = opts.device ? { cert: text(opts.device.chain), key: text(opts.device.key) } : {};
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        rejectUnauthorized: false,
        ...(opts.agent ? { agent: opts.agent } : { agent: false, ...client }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        // Read now: a keep-alive socket goes back to the agent (res.socket null) at 'end'.
        const localPort = res.socket.localPort ?? 0;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          let code: string | undefined;
          try {
            code = (JSON.parse(body) as { code?: string }).code;
          } catch {
            code = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            code,
            body,
            localPort,
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Log lines (JSON) a server wrote, for checking what a failed reload says. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l !== '') lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

function start(options: ServeOptions): Promise<RunningServer> {
  return startQuiet({
    root,
    keys: [keyFile],
    tlsCert: tls.cert,
    tlsKey: tls.key,
    admin: false,
    auth: 'client-cert',
    authFront: 'off',
    keyWatchDebounceMs: 60_000, // reloads in these tests are explicit (SIGHUP-style)
    auditSink: { record: (e: DownloadEvent) => events.push(e) },
    ...options,
  });
}

const app = (s: RunningServer) => `${s.url}/apps/App.ipa`;

describe('every certificate of the chain is re-checked per request on a keep-alive connection', () => {
  let server: RunningServer;
  let crlFile: string;
  const via = () => pki.devices.viaIntermediate;
  beforeAll(async () => {
    crlFile = join(dir, 'chain.crl.pem');
    await writeFile(crlFile, text(pki.rootCrlEmpty) + text(pki.intermediateCrl));
    server = await start({ clientCa: pki.rootAndIntermediateCa, clientCrl: crlFile });
  });
  afterAll(() => server.close());

  it('refuses once the root CA list goes stale (the intermediate is no longer known good)', async () => {
    const agent = keepAlive(via());
    try {
      const before = await get(app(server), { agent });
      expect(before.status).toBe(200);
      // The root's list is stale, the intermediate's current: only the intermediate's standing
      // is unknown, which a leaf-only check misses.
      await writeFile(crlFile, text(pki.rootCrlStale) + text(pki.intermediateCrl));
      await server.reloadKeys();
      const after = await get(app(server), { agent });
      expect(after.localPort).toBe(before.localPort); // the same connection
      expect(after).toMatchObject({ status: 403, code: 'CLIENT_CERT_REVOCATION_UNKNOWN' });
      await writeFile(crlFile, text(pki.rootCrlEmpty) + text(pki.intermediateCrl));
      await server.reloadKeys();
      expect((await get(app(server), { agent })).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('refuses once the root revokes the intermediate CA, on the connection opened before', async () => {
    const agent = keepAlive(via());
    try {
      const before = await get(app(server), { agent });
      expect(before.status).toBe(200);
      const rootCrl = revokeAndPublish(
        pki,
        'root-ca',
        join(pki.dir, 'intermediate-ca', 'ca.crt'),
        join(dir, 'root-revokes-intermediate.crl.pem'),
      );
      await writeFile(crlFile, text(rootCrl) + text(pki.intermediateCrl));
      await server.reloadKeys();
      const after = await get(app(server), { agent });
      expect(after.localPort).toBe(before.localPort);
      expect(after).toMatchObject({ status: 403, code: 'CLIENT_CERT_REVOKED' });
      // A new connection is refused in the handshake's verdict too.
      expect(await get(app(server), { device: via() })).toMatchObject({
        status: 403,
        code: 'CLIENT_CERT_REVOKED',
      });
      // The root's own devices are unaffected.
      expect((await get(app(server), { device: pki.devices.valid })).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});

describe('CRLs the size a device CA publishes', () => {
  it('starts with a 200,000-entry CRL (reason codes included) and refuses what it lists', async () => {
    const big = largeCrl(pki, 'root-ca', 200_000, join(dir, 'root-200k.crl.pem'));
    const server = await start({ clientCa: pki.rootCa, clientCrl: big });
    try {
      expect((await get(app(server), { device: pki.devices.valid })).status).toBe(200);
      expect(await get(app(server), { device: pki.devices.revoked })).toMatchObject({
        status: 403,
        code: 'CLIENT_CERT_REVOKED',
      });
    } finally {
      await server.close();
    }
  }, 60_000);

  it('reloads a large CRL that revokes a device on a keep-alive connection (no fail-open)', async () => {
    const crlFile = join(dir, 'big-live.crl.pem');
    await copyFile(pki.rootCrlEmpty, crlFile);
    const { logger, lines } = capturedLogger();
    const server = await start({ clientCa: pki.rootCa, clientCrl: crlFile, logger });
    const device = issueDevice(pki, 'root-ca', 'device-big-reload', 'device-big-reload');
    const agent = keepAlive(device);
    try {
      expect((await get(app(server), { agent })).status).toBe(200);
      revokeAndPublish(pki, 'root-ca', device.cert, join(dir, 'unused.crl.pem'));
      const big = largeCrl(pki, 'root-ca', 20_000, join(dir, 'root-20k.crl.pem'));
      await rename(big, crlFile);
      await server.reloadKeys();
      expect(await get(app(server), { agent })).toMatchObject({
        status: 403,
        code: 'CLIENT_CERT_REVOKED',
      });
      expect(lines.some((l) => l.level === 50)).toBe(false);
    } finally {
      agent.destroy();
      await server.close();
    }
  }, 60_000);

  it('refuses a file over the size bound, and a bad signature, each with its own code', async () => {
    const huge = join(dir, 'huge.crl');
    await writeFile(huge, '');
    await truncate(huge, 64 * 1024 * 1024 + 1); // sparse: nothing is written
    await expect(start({ clientCa: pki.rootCa, clientCrl: huge })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/"clientCrl".*CRL_TOO_LARGE/),
    });
    await expect(start({ clientCa: pki.rootCa, clientCrl: pki.otherCrl })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/"clientCrl".*CRL_SIGNATURE_INVALID.*not signed/),
    });
  });
});

describe('a failed reload is loud', () => {
  it('logs at error with the code, counts it on /metrics and says degraded on /readyz until a reload succeeds', async () => {
    const crlFile = join(dir, 'loud.crl.pem');
    await copyFile(pki.rootCrl, crlFile);
    const { logger, lines } = capturedLogger();
    const server = await start({
      clientCa: pki.rootCa,
      clientCrl: crlFile,
      logger,
      admin: true,
      adminPort: 0,
    });
    const readyz = async () => JSON.parse((await get(`${server.url}/_portcullis/readyz`)).body);
    const failures = async () => {
      const res = await fetch(`${server.adminUrl}/metrics`);
      const m = /^portcullis_tls_reload_failures_total (\d+)$/m.exec(await res.text());
      return Number(m?.[1]);
    };
    try {
      expect(await readyz()).toMatchObject({ status: 'ready' });
      expect(await failures()).toBe(0);
      await writeFile(crlFile, await readFile(pki.otherCrl));
      await expect(server.reloadKeys()).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
      const line = lines.find((l) => l.level === 50);
      expect(line).toMatchObject({ code: 'CONFIG_INVALID', reason: 'CRL_SIGNATURE_INVALID' });
      expect(String(line?.msg)).toMatch(/revocation data may be stale/);
      expect(JSON.stringify(lines)).not.toContain(dir); // no path in the log
      expect(await readyz()).toMatchObject({ status: 'degraded', tls: 'reload-failed' });
      expect(await failures()).toBe(1);
      await writeFile(crlFile, await readFile(pki.rootCrl));
      await server.reloadKeys();
      expect(await readyz()).toEqual(expect.not.objectContaining({ tls: expect.anything() }));
      expect((await readyz()).status).toBe('ready');
    } finally {
      await server.close();
    }
  });
});

describe('FIFOs and devices given as TLS files never hang the process', () => {
  const fifo = () => {
    const f = join(dir, `fifo-${Math.random().toString(36).slice(2)}`);
    execFileSync('mkfifo', [f]);
    return f;
  };

  it.each([
    [
      'clientCrl as a FIFO',
      () => ({ clientCa: pki.rootCa, clientCrl: fifo() }),
      /"clientCrl".*not a regular file/,
    ],
    ['clientCa as /dev/zero', () => ({ clientCa: '/dev/zero' }), /"clientCa".*not a regular file/],
    ['clientCa as a FIFO', () => ({ clientCa: fifo() }), /"clientCa".*not a regular file/],
    [
      'tlsCert as a FIFO',
      () => ({ clientCa: pki.rootCa, tlsCert: fifo() }),
      /"tlsCert".*not a regular file/,
    ],
    [
      'tlsKey as /dev/zero',
      () => ({ clientCa: pki.rootCa, tlsKey: '/dev/zero' }),
      /"tlsCert".*not a regular file/,
    ],
  ] as const)('refuses %s at start at once', async (_name, options, message) => {
    const t = Date.now();
    await expect(start(options() as ServeOptions)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(message),
    });
    expect(Date.now() - t).toBeLessThan(5000);
  });

  it('refuses a FIFO or /dev/zero as the config file or the pinning certificates at once', async () => {
    for (const file of [fifo(), '/dev/zero']) {
      expect(() => loadServeConfig({ file })).toThrow(/cannot read the config file/);
      await expect(readPinningCerts(file)).rejects.toMatchObject({ code: 'PINNING_CERTS_INVALID' });
    }
  });

  it('refuses a reload when a FIFO is renamed over the CRL, and keeps serving', async () => {
    const crlFile = join(dir, 'fifo-live.crl.pem');
    await copyFile(pki.rootCrl, crlFile);
    const server = await start({ clientCa: pki.rootCa, clientCrl: crlFile });
    try {
      await rename(fifo(), crlFile);
      await expect(server.reloadKeys()).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/not a regular file/),
      });
      expect((await get(app(server), { device: pki.devices.valid })).status).toBe(200);
      expect((await get(app(server), { device: pki.devices.revoked })).code).toBe(
        'CLIENT_CERT_REVOKED',
      );
    } finally {
      await server.close();
    }
  });
});

describe('names from CA-issued certificates', () => {
  it('records bidi overrides and controls as \\uXXXX in the audit, never as they are', async () => {
    const server = await start({ clientCa: pki.rootCa, clientCrl: pki.rootCrl });
    const cn = 'evil\u202Egpj.exe\u2066x\u200Fy';
    const device = issueDevice(pki, 'root-ca', 'device-bidi', cn);
    try {
      events.length = 0;
      expect((await get(app(server), { device })).status).toBe(200);
      const subject = events.at(-1)?.clientCertSubject ?? '';
      expect(subject).toContain('CN=evil\\u202Egpj.exe\\u2066x\\u200Fy');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
      expect(subject).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u0000-\u001f]/);
    } finally {
      await server.close();
    }
  });
});
