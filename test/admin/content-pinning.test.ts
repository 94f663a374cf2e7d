/**
 * InstallEnterpriseApplication by ManifestURL with ManifestURLPinningCerts and
 * PinningRevocationCheckRequired, through the admin API: the plist is parsed back by python3
 * plistlib and each pinned certificate compared with openssl's own DER of the chain file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaProblems } from '../catalog/apple/schema-check.js';
import { type Fixtures, makeFixtures } from '../catalog/fixtures.js';
import {
  type AdminFixture,
  addAccount,
  adminFixture,
  bearer,
  login,
  problemOf,
} from './helpers.js';

const C = '/api/v1/content';
const tmp = mkdtempSync(join(tmpdir(), 'portcullis-pinning-'));
let files: Fixtures;
let fx: AdminFixture;
let bare: AdminFixture;
let admin: Record<string, string>;
let reader: Record<string, string>;
let configId: string;
let chainFile: string;
let pemParts: string[];

function openssl(args: string[], input?: string): Buffer {
  return execFileSync('openssl', args, input === undefined ? {} : { input });
}

/** A CA and a server certificate it issued, as separate PEM files, made by openssl. */
function makeChain(): { ca: string; leaf: string; leafKey: string } {
  const ca = join(tmp, 'ca.pem');
  const caKey = join(tmp, 'ca.key');
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=Pin CA',
    '-keyout',
    caKey,
    '-out',
    ca,
  ]);
  const leafKey = join(tmp, 'leaf.key');
  const csr = join(tmp, 'leaf.csr');
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=dist.example.test',
    '-keyout',
    leafKey,
    '-out',
    csr,
  ]);
  const leaf = join(tmp, 'leaf.pem');
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    leaf,
  ]);
  return { ca, leaf, leafKey };
}

/** python3 plistlib's reading of an XML plist, `data` as base64 strings. */
function pythonParse(xml: string): { Command: Record<string, unknown>; CommandUUID: string } {
  const out = execFileSync(
    'python3',
    [
      '-c',
      'import plistlib,sys,json,base64\n' +
        'd=plistlib.loads(sys.stdin.buffer.read())\n' +
        'def enc(o):\n' +
        '  if isinstance(o,bytes): return {"$data":base64.b64encode(o).decode()}\n' +
        '  raise TypeError(type(o))\n' +
        'print(json.dumps(d,default=enc))',
    ],
    { input: xml },
  );
  return JSON.parse(out.toString('utf8'));
}

async function command(app: AdminFixture, query: string, headers = admin) {
  return app.app.inject({
    method: 'GET',
    url: `${C}/mac/Suite.pkg/commands/InstallEnterpriseApplication.plist?config=${configId}${query}`,
    headers,
  });
}

beforeAll(async () => {
  files = makeFixtures({ basic: true });
  const { ca, leaf, leafKey } = makeChain();
  pemParts = [leaf, ca];
  // The key sits in the same file on purpose: only CERTIFICATE blocks may reach a command.
  chainFile = join(tmp, 'fullchain-with-key.pem');
  writeFileSync(
    chainFile,
    readFileSync(leaf, 'utf8') + readFileSync(leafKey, 'utf8') + readFileSync(ca, 'utf8'),
  );
  fx = await adminFixture({ pinningCertsFile: chainFile });
  bare = await adminFixture();
  for (const f of [fx, bare]) {
    await addAccount(f.store, 'alice', 'admin');
    await addAccount(f.store, 'rita', 'read-only');
  }
  admin = bearer(await login(fx.app, 'alice'));
  reader = bearer(await login(fx.app, 'rita'));
  const made = await fx.app.inject({
    method: 'POST',
    url: '/api/v1/jwt-configurations',
    headers: admin,
    payload: { displayName: 'Jamf' },
  });
  configId = made.json().id;
  const pkg = readFileSync(files.path('product.pkg'));
  const put = await fx.app.inject({
    method: 'PUT',
    url: `${C}/mac/Suite.pkg`,
    headers: { ...admin, 'content-type': 'application/octet-stream' },
    payload: pkg,
  });
  expect(put.statusCode).toBe(201);
}, 60_000);

afterAll(async () => {
  await fx?.close();
  await bare?.close();
  files?.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

describe('InstallEnterpriseApplication with pinning', () => {
  it('pins the DER of every certificate of the chain, in order, as openssl writes it', async () => {
    const res = await command(fx, '&pinning=true&pinningRevocationCheck=true');
    expect(res.statusCode).toBe(200);
    const { Command } = pythonParse(res.body);
    expect(schemaProblems('InstallEnterpriseApplication', Command)).toEqual([]);
    const der = pemParts.map((p) =>
      openssl(['x509', '-in', p, '-outform', 'DER']).toString('base64'),
    );
    expect(Command.ManifestURLPinningCerts).toEqual(der.map(($data) => ({ $data })));
    expect(Command.PinningRevocationCheckRequired).toBe(true);
    // Apple ignores pinning with an inline Manifest: the command uses the ManifestURL form.
    expect(Command.Manifest).toBeUndefined();
    const url = new URL(String(Command.ManifestURL));
    expect(url.origin + url.pathname).toBe(
      'https://dist.example.test/_portcullis/manifest/mac/Suite.pkg.plist',
    );
    expect(url.searchParams.get('token')?.split('.')).toHaveLength(3);
    // Nothing of the private key that shares the file.
    expect(res.body).not.toMatch(/PRIVATE KEY/);
    const keyDer = openssl(['pkey', '-in', join(tmp, 'leaf.key'), '-outform', 'DER']);
    expect(res.body).not.toContain(keyDer.subarray(0, 48).toString('base64').slice(0, 40));
  });

  it('pins without requiring revocation checks unless asked, and sends ManifestURL alone when asked', async () => {
    const pinned = pythonParse((await command(fx, '&pinning=true')).body).Command;
    expect(pinned.ManifestURLPinningCerts).toHaveLength(2);
    expect(pinned.PinningRevocationCheckRequired).toBeUndefined();
    const byUrl = pythonParse((await command(fx, '&manifestUrl=true')).body).Command;
    expect(Object.keys(byUrl).sort()).toEqual(['ManifestURL', 'RequestType']);
    const inline = pythonParse((await command(fx, '')).body).Command;
    expect(Object.keys(inline).sort()).toEqual(['Manifest', 'RequestType']);
  });

  it('says there is no chain to pin when the listener has no TLS and no --pinning-certs', async () => {
    const a = bearer(await login(bare.app, 'alice'));
    const cfg = await bare.app.inject({
      method: 'POST',
      url: '/api/v1/jwt-configurations',
      headers: a,
      payload: { displayName: 'Jamf' },
    });
    await bare.app.inject({
      method: 'PUT',
      url: `${C}/mac/Suite.pkg`,
      headers: { ...a, 'content-type': 'application/octet-stream' },
      payload: readFileSync(files.path('product.pkg')),
    });
    const res = await bare.app.inject({
      method: 'GET',
      url: `${C}/mac/Suite.pkg/commands/InstallEnterpriseApplication.plist?config=${cfg.json().id}&pinning=true`,
      headers: a,
    });
    expect(problemOf(res)).toMatchObject({ status: 409, code: 'PINNING_CERTS_UNAVAILABLE' });
  });

  it('refuses a read-only caller before it reads the chain, and refuses odd flag values', async () => {
    expect(problemOf(await command(fx, '&pinning=true', reader))).toMatchObject({
      status: 403,
      code: 'SIGNING_FORBIDDEN',
    });
    for (const q of [
      '&pinning=1',
      '&pinning=yes',
      '&pinningRevocationCheck=TRUE',
      '&manifestUrl=',
    ]) {
      expect(problemOf(await command(fx, q)).status).toBe(400);
    }
  });

  it('answers 503 PINNING_CERTS_INVALID, naming no path, when the chain file goes bad', async () => {
    const good = readFileSync(chainFile);
    try {
      writeFileSync(
        chainFile,
        '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n',
      );
      const res = await command(fx, '&pinning=true');
      expect(problemOf(res)).toMatchObject({ status: 503, code: 'PINNING_CERTS_INVALID' });
      expect(res.body).not.toContain(tmp);
      writeFileSync(chainFile, readFileSync(join(tmp, 'leaf.key')));
      expect(problemOf(await command(fx, '&pinning=true')).code).toBe('PINNING_CERTS_INVALID');
    } finally {
      writeFileSync(chainFile, good);
    }
  });
});
