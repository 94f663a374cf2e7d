/**
 * A manifest-link secret never reaches the access log or the audit, whatever spelling carried
 * it (outside review, finding 1). Through the built CLI: `content link` makes a link in a data
 * directory, `portcullis serve --data` serves it, and every spelling the listener's query parser
 * accepts (`token=`, `tok%65n=`, `%74oken=`, a percent-encoded value) opens the manifest — so
 * each is a credential — and each refused spelling (`%3Ftoken=` inside the path, an unknown
 * parameter, two tokens, a double-encoded `token%3D`) still carries the secret in its URL. None
 * of them may leave it in the log, in clear or percent-encoded, nor in the stored audit rows.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { type Fixtures, makeFixtures } from '../catalog/fixtures.js';
import { CLI, ensureBuilt } from '../helpers/dist.js';

let dir: string;
let data: string;
let files: Fixtures;
let child: ChildProcess | undefined;

function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd: dir }, (err, stdout, stderr) => {
      done({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  ensureBuilt();
  files = makeFixtures({ basic: true });
  dir = mkdtempSync(join(tmpdir(), 'portcullis-link-redact-'));
  data = join(dir, 'data');
  const add = await cli(
    'content',
    'add',
    files.path('component.pkg'),
    '--data',
    data,
    '--path',
    'mac/Agent.pkg',
  );
  expect(add.status, add.stderr).toBe(0);
}, 120_000);

afterAll(() => {
  child?.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
  files?.cleanup();
});

describe('the access log of a real serve run', () => {
  it('redacts the link secret in every spelling, accepted or refused', async () => {
    const env = { ...process.env };
    delete env.PORTCULLIS_SECRET;
    delete env.PORTCULLIS_DATA;
    const proc = spawn(
      process.execPath,
      [CLI, 'serve', '--data', data, '--port', '0', '--admin-port', '0', '--workers', '1'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env },
    );
    child = proc;
    let out = '';
    let err = '';
    proc.stderr!.on('data', (c) => {
      err += c;
    });
    const exit = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    const base = await new Promise<string>((resolve, reject) => {
      proc.stdout!.on('data', (c) => {
        out += c;
        const m = /"url":"(http:\/\/[^"]+)",[^\n]*"msg":"content listener ready"/.exec(out);
        if (m) resolve(m[1]!.replace(/\/+$/, ''));
      });
      exit.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });

    // The first start made the data directory's "Default" configuration: its key signs.
    const opened = openSqliteStore({ dataDir: data });
    const configId = (await opened.configurations.list())[0]!.id;
    await opened.close();
    const made = await cli(
      'content',
      'link',
      'mac/Agent.pkg',
      '--config',
      configId,
      '--label',
      'redact',
      '--public-url',
      'https://dl.example.test',
      '--data',
      data,
    );
    expect(made.status, made.stderr).toBe(0);
    const token = /token=(pml_[\w-]{64})/.exec(made.stdout)![1]!;
    const body = token.slice('pml_'.length);

    const M = `${base}/_portcullis/manifest/mac/Agent.pkg.plist`;
    const accepted = {
      'token=': `${M}?token=${token}`,
      'tok%65n=': `${M}?tok%65n=${token}`,
      '%74oken=': `${M}?%74oken=${token}`,
      'an encoded value': `${M}?token=%70ml%5F${body}`,
      'after another parameter': `${M}?a=1&TOKEN=x&token=${token}`,
    };
    const refused = {
      '%3Ftoken= in the path': `${M}%3Ftoken=${token}`,
      'an unknown parameter': `${M}?link=${token}`,
      'two tokens': `${M}?token=${token}&tok%65n=${token}`,
      'a double-encoded token%3D': `${M}?token%3D${token}`,
      'an encoded secret in the path': `${base}/mac/%70ml_${body}.pkg`,
    };
    for (const [name, url] of Object.entries(accepted)) {
      const res = await fetch(url);
      expect(res.status, name).toBe(200);
      await res.arrayBuffer();
    }
    for (const [name, url] of Object.entries(refused)) {
      const res = await fetch(url);
      expect(res.status, name).toBeGreaterThanOrEqual(400);
      await res.arrayBuffer();
    }
    proc.kill('SIGTERM');
    expect(await exit).toBe(0);

    const requests = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; url?: string })
      .filter((l) => l.msg === 'request');
    const total = Object.keys(accepted).length + Object.keys(refused).length;
    expect(requests.length).toBe(total);
    // Not the token, and not the base64url body it is made of (percent-encoded spellings).
    expect(out).not.toContain(body);
    expect(err).not.toContain(body);
    for (const r of requests) expect(r.url).toContain('[REDACTED]');

    const store = openSqliteStore({ dataDir: data });
    try {
      const audit = await store.audit.query({ limit: 1000 });
      expect(audit.items.length).toBeGreaterThan(0);
      expect(JSON.stringify(audit.items)).not.toContain(body);
    } finally {
      await store.close();
    }
  }, 60_000);
});
