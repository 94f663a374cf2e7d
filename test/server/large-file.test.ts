/**
 * A 2 GiB (+ a bit, to cross the 2^31 offset) file downloads and resumes with `curl -C -`
 * byte-identical. The file is sparse (truncate) with real markers written around the 2 GiB
 * boundary, so offsets past 2^31 are checked with non-zero content.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import { makeKey, removeDir, sign, startQuiet, type TestKey, tempDir } from './serve-helpers.js';

const GIB = 1024 ** 3;
const SIZE = 2 * GIB + 3 * 1024 * 1024 + 17;
let dir: string;
let key: TestKey;
let server: RunningServer;
let source: string;

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function curl(args: string[]): { done: Promise<number>; kill: () => void } {
  const child = spawn('curl', ['-sS', '--fail', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  return {
    done: new Promise((resolve) => child.on('close', (code) => resolve(code ?? -1))),
    kill: () => child.kill('SIGKILL'),
  };
}

beforeAll(async () => {
  key = makeKey();
  dir = await tempDir('portcullis-2gib-');
  source = join(dir, 'Huge.pkg');
  const fh = await open(source, 'w');
  await fh.truncate(SIZE);
  for (const offset of [0, GIB, 2 * GIB - 5, 2 * GIB, 2 * GIB + 1024 * 1024, SIZE - 64]) {
    await fh.write(Buffer.from(`marker@${offset}`.padEnd(64, '#')), 0, 64, offset);
  }
  await fh.close();
  server = await startQuiet({
    root: dir,
    keySource: { load: async () => [{ key: key.publicKey }], describe: () => 'k' },
  });
});

afterAll(async () => {
  await server?.close();
  await removeDir(dir);
});

describe('2 GiB download and resume', () => {
  it('is byte-identical after a download killed midway and resumed with curl -C -', async () => {
    const url = `${server.url}/Huge.pkg?token=${sign(key, { expiresIn: '1h' })}`;
    const out = join(dir, 'download', 'Huge.pkg');
    const first = curl(['--create-dirs', '-o', out, url]);
    // Kill once a good part has arrived (polling the file size; no timing assumption).
    for (;;) {
      const size = await stat(out).then(
        (s) => s.size,
        () => 0,
      );
      if (size > 256 * 1024 * 1024) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    first.kill();
    await first.done;
    const partial = (await stat(out)).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(SIZE);
    const resumed = curl(['-C', '-', '-o', out, url]);
    expect(await resumed.done).toBe(0);
    expect((await stat(out)).size).toBe(SIZE);
    expect(await sha256(out)).toBe(await sha256(source));
  }, 300_000);

  it('serves a range past the 2^31 offset', async () => {
    const res = await fetch(`${server.url}/Huge.pkg?token=${sign(key)}`, {
      headers: { range: `bytes=${2 * GIB}-${2 * GIB + 63}` },
    });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${2 * GIB}-${2 * GIB + 63}/${SIZE}`);
    expect((await res.text()).startsWith(`marker@${2 * GIB}`)).toBe(true);
  });
});
