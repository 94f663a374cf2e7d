import { execFileSync } from 'node:child_process';
import { rename, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import { selfSignedCertificate } from '../helpers/tls.js';
import { eventually } from '../helpers/wait.js';
import { makeKey, removeDir, sign, startQuiet, type TestKey, tempDir } from './serve-helpers.js';

let dir: string;
let a: TestKey;
let b: TestKey;

beforeAll(async () => {
  a = makeKey();
  b = makeKey();
  dir = await tempDir();
  await writeFile(join(dir, 'App.ipa'), 'app');
});
afterAll(() => removeDir(dir));

describe('key reload', () => {
  let server: RunningServer;
  let keyFile: string;
  const status = async (token: string) => {
    const res = await fetch(`${server.url}/App.ipa?token=${token}`);
    await res.arrayBuffer();
    return res.status;
  };

  beforeAll(async () => {
    keyFile = join(dir, 'jamf.pub.pem');
    await writeFile(keyFile, a.publicPem);
    server = await startQuiet({ root: dir, keys: [keyFile], keyWatchDebounceMs: 50 });
  });
  afterAll(() => server?.close());

  it('keeps serving with the old keys when the new key file is broken', async () => {
    const tokenA = sign(a);
    expect(await status(tokenA)).toBe(200);
    await writeFile(
      keyFile,
      '-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----\n',
    );
    await expect(server.reloadKeys()).rejects.toMatchObject({
      code: expect.stringMatching(/^KEY_/),
    });
    expect(await status(tokenA)).toBe(200);
    await new Promise((r) => setTimeout(r, 200)); // let the watcher's failed reload happen too
    expect(await status(tokenA)).toBe(200);
  });

  it('picks up a rotated key file by itself (rename into place, as editors and config tools do)', async () => {
    const tokenA = sign(a);
    const tokenB = sign(b);
    const staging = join(dir, 'jamf.pub.pem.new');
    await writeFile(staging, b.publicPem);
    await rename(staging, keyFile);
    await eventually(async () => (await status(tokenB)) === 200);
    expect(await status(tokenA)).toBe(401);
  });

  it('reloadKeys() applies a fixed key file at once', async () => {
    await writeFile(keyFile, a.publicPem);
    await server.reloadKeys();
    expect(await status(sign(a))).toBe(200);
  });
});

describe('TLS', () => {
  const makeCert = (name: string) => selfSignedCertificate(dir, name);
  const peerCn = (url: string) =>
    new Promise<string>((resolve, reject) => {
      const req = request(
        `${url}/_portcullis/healthz`,
        { rejectUnauthorized: false, agent: false },
        (res) => {
          const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
          res.resume();
          resolve(String(cert.subject?.CN));
        },
      );
      req.on('error', reject);
      req.end();
    });

  it('serves HTTPS and swaps the certificate when the files change; a broken pair keeps the old one', async () => {
    makeCert('first');
    makeCert('second');
    const certFile = join(dir, 'tls.crt');
    const keyFile = join(dir, 'tls.key');
    execFileSync('cp', [join(dir, 'first.crt'), certFile]);
    execFileSync('cp', [join(dir, 'first.key'), keyFile]);
    const server = await startQuiet({
      root: dir,
      keySource: { load: async () => [{ key: a.publicKey }], describe: () => 'k' },
      tlsCert: certFile,
      tlsKey: keyFile,
    });
    try {
      expect(server.url.startsWith('https://')).toBe(true);
      expect(await peerCn(server.url)).toBe('first');
      // Only the certificate changes: mismatched pair → keep serving "first".
      execFileSync('cp', [join(dir, 'second.crt'), certFile]);
      await new Promise((r) => setTimeout(r, 600));
      expect(await peerCn(server.url)).toBe('first');
      execFileSync('cp', [join(dir, 'second.key'), keyFile]);
      await eventually(async () => (await peerCn(server.url)) === 'second');
    } finally {
      await server.close();
    }
  });
});
