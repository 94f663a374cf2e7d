import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import { makeKey, removeDir, sign, startQuiet, type TestKey, tempDir } from './serve-helpers.js';

let dir: string;
let key: TestKey;
let strict: RunningServer;
let empty: RunningServer;

beforeAll(async () => {
  key = makeKey();
  dir = await tempDir();
  await writeFile(join(dir, 'App.ipa'), 'app');
  strict = await startQuiet({
    root: dir,
    bearer: false,
    keySource: { load: async () => [{ key: key.publicKey }], describe: () => 'k' },
  });
  empty = await startQuiet({
    root: dir,
    keySource: { load: async () => [], describe: () => 'no keys' },
  });
});

afterAll(async () => {
  await strict?.close();
  await empty?.close();
  await removeDir(dir);
});

function raw(url: string, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path, headers, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('limits and switches', () => {
  it('--no-bearer: a Bearer header alone counts as no token', async () => {
    const res = await fetch(`${strict.url}/App.ipa`, {
      headers: { authorization: `Bearer ${sign(key)}` },
    });
    expect(res.status).toBe(401);
    expect((await res.json()).code).toBe('TOKEN_MISSING');
    expect((await fetch(`${strict.url}/App.ipa?token=${sign(key)}`)).status).toBe(200);
  });

  it('answers 431 for an oversized header block', async () => {
    expect(await raw(strict.url, '/App.ipa', { 'x-big': 'a'.repeat(20_000) })).toBe(431);
  });

  it('refuses absolute-form request targets', async () => {
    expect(await raw(strict.url, `http://evil.example/App.ipa?token=${sign(key)}`, {})).toBe(400);
  });

  it('readyz is 503 NOT_READY while the key set is empty, and every token is refused', async () => {
    const res = await fetch(`${empty.url}/_portcullis/readyz`);
    expect(res.status).toBe(503);
    expect((await res.json()).code).toBe('NOT_READY');
    const refused = await fetch(`${empty.url}/App.ipa?token=${sign(key)}`);
    expect(refused.status).toBe(401);
    expect((await refused.json()).code).toBe('KEY_NOT_FOUND');
  });

  it('forward-auth refuses original URIs that are not origin-form paths', async () => {
    for (const original of ['http://evil.example/App.ipa', 'App.ipa', '']) {
      const res = await fetch(`${strict.url}/_portcullis/auth`, {
        headers: { 'x-original-uri': original, 'x-forwarded-method': 'GET' },
      });
      expect([original, res.status]).toEqual([original, 400]);
    }
  });

  it('HEAD refusals carry headers but no body', async () => {
    const res = await fetch(`${strict.url}/App.ipa`, { method: 'HEAD' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="portcullis"');
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });
});
