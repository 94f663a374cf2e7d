/**
 * Device identity through the real binary: `portcullis serve --auth client-cert` as a cluster of
 * two workers, settings from flags, PORTCULLIS_* and a config file, curl with an openssl-made
 * device certificate, a CRL swapped in and applied by SIGHUP in every worker, and the start-up
 * refusals exiting 2 with the setting named.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevicePki, makeDevicePki } from '../helpers/device-pki.js';
import { CLI, ensureBuilt } from '../helpers/dist.js';
import { selfSignedCertificate } from '../helpers/tls.js';
import { eventually } from '../helpers/wait.js';
import { makeKey, removeDir, tempDir, writeKeyFile } from './serve-helpers.js';

const execFileAsync = promisify(execFile);

let dir: string;
let pki: DevicePki;
let base: string[];
const children: ChildProcess[] = [];

beforeAll(async () => {
  ensureBuilt();
  dir = await tempDir('portcullis-cli-client-cert-');
  const root = join(dir, 'content');
  await mkdir(root);
  await writeFile(join(root, 'App.ipa'), 'app bytes');
  pki = makeDevicePki(dir);
  const tls = selfSignedCertificate(dir, 'server');
  const keyFile = await writeKeyFile(dir, 'jamf.pub.pem', makeKey());
  base = ['--root', root, '--key', keyFile, '--tls-cert', tls.cert, '--tls-key', tls.key];
}, 240_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await removeDir(dir);
});

/** Spawns serve; resolves with its URL once ready, or with its exit code and stderr. */
function serve(
  args: string[],
  env: Record<string, string> = {},
): Promise<
  | { child: ChildProcess; url: string; stdout: () => string }
  | { code: number | null; stderr: string }
> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', '0', '--no-admin', ...base, ...args],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (c) => {
    err += c;
  });

  return new Promise((resolve) => {
    child.stdout!.on('data', (c) => {
      out += c;
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        const l = JSON.parse(line) as { msg?: string; url?: string };
        if (l.msg === 'cluster ready' || l.msg === 'content listener ready') {
          resolve({ child, url: l.url!, stdout: () => out });
        }
      }
    });
    child.on('exit', (code) => resolve({ code, stderr: err }));
  });
}

/** curl's status code for a download presenting `device` (or nothing). */
async function curl(url: string, device?: { cert: string; key: string }): Promise<string> {
  const cert = device ? ['--cert', device.cert, '--key', device.key] : [];
  const { stdout } = await execFileAsync('curl', [
    '-sk',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    ...cert,
    `${url}/App.ipa`,
  ]);
  return stdout;
}

describe('portcullis serve --auth client-cert', () => {
  it('serves devices from a cluster, settings from env and a config file, and revokes on SIGHUP in every worker', async () => {
    const crl = join(dir, 'live.crl.pem');
    await copyFile(pki.rootCrlEmpty, crl);
    const config = join(dir, 'portcullis.yaml');
    await writeFile(config, `client-ca: ${pki.rootCa}\nclient-crl: ${crl}\nauth-front: off\n`);
    const s = await serve(['--workers', '2', '--config', config], {
      PORTCULLIS_AUTH: 'client-cert',
      // The file watcher waits a minute: within the test only SIGHUP can apply the new CRL.
      PORTCULLIS_KEY_WATCH_DEBOUNCE_MS: '60000',
    });
    if (!('url' in s)) throw new Error(`serve exited ${s.code}: ${s.stderr}`);
    try {
      // Several new connections: both workers answer.
      for (let i = 0; i < 4; i++) {
        expect(await curl(s.url, pki.devices.revoked)).toBe('200');
        expect(await curl(s.url)).toBe('403');
      }
      // Only SIGHUP applies it in time (see the debounce above): it must reach every worker.
      await copyFile(pki.rootCrl, crl);
      s.child.kill('SIGHUP');
      await eventually(async () => {
        const codes = await Promise.all([1, 2, 3, 4].map(() => curl(s.url, pki.devices.revoked)));
        return codes.every((c) => c === '403');
      }, 8000);
      expect(await curl(s.url, pki.devices.valid)).toBe('200');
      // The access log names the device by serial; no certificate (PEM or base64) is logged.
      await eventually(async () => s.stdout().includes(`"cert":"${pki.devices.valid.serial}"`));
      expect(s.stdout()).not.toMatch(/BEGIN|MII/);
    } finally {
      s.child.kill('SIGTERM');
    }
  });

  it.each([
    [
      '--client-ca without TLS',
      ['--client-ca', 'CA', '--auth', 'client-cert', '--auth-front', 'off'],
      true,
      /"clientCa".*HTTPS/,
    ],
    [
      '--auth client-cert with forward-auth',
      ['--client-ca', 'CA', '--auth', 'client-cert'],
      false,
      /"authFront"/,
    ],
    ['an unknown --auth', ['--auth', 'mtls'], false, /"auth"/],
    [
      'a device certificate as the CA',
      ['--client-ca', 'LEAF', '--auth', 'client-cert', '--auth-front', 'off'],
      false,
      /"clientCa".*not a CA/,
    ],
  ] as const)('exits 2 naming the setting: %s', async (_n, args, noTls, message) => {
    const resolved = args.map((a) =>
      a === 'CA' ? pki.rootCa : a === 'LEAF' ? pki.devices.valid.cert : a,
    );
    const saved = base;
    if (noTls) base = base.slice(0, 4);
    try {
      const r = await serve(['--workers', '1', ...resolved]);
      expect('code' in r && r.code).toBe(2);
      expect((r as { stderr: string }).stderr).toMatch(message);
      expect((r as { stderr: string }).stderr).not.toContain('BEGIN');
    } finally {
      base = saved;
    }
  });
});
