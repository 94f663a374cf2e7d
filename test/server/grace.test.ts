import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/app/serve.js';
import { graceAllows, LocalGraceMemory } from '../../src/server/grace.js';
import { makeKey, removeDir, sign, startQuiet, type TestKey, tempDir } from './serve-helpers.js';

const T0 = 1_800_000_000; // seconds
let nowMs = T0 * 1000;
let dir: string;
let key: TestKey;
let withGrace: RunningServer;
let without: RunningServer;

beforeAll(async () => {
  key = makeKey();
  dir = await tempDir();
  await writeFile(join(dir, 'App.ipa'), Buffer.alloc(100_000, 1));
  await writeFile(join(dir, 'Other.ipa'), Buffer.alloc(100_000, 2));
  const keySource = { load: async () => [{ key: key.publicKey }], describe: () => 'k' };
  const clock = () => nowMs;
  // leeway 0 keeps the arithmetic obvious: expired means past exp.
  withGrace = await startQuiet({ root: dir, keySource, clock, resumeGrace: 600, leeway: 0 });
  without = await startQuiet({ root: dir, keySource, clock, resumeGrace: 0, leeway: 0 });
});

afterAll(async () => {
  await withGrace?.close();
  await without?.close();
  await removeDir(dir);
});

const get = async (server: RunningServer, path: string, token: string, range?: string) => {
  const res = await fetch(
    `${server.url}${path}?token=${token}`,
    range ? { headers: { range } } : {},
  );
  const body = await res.arrayBuffer();
  return { status: res.status, length: body.byteLength };
};

describe('resume grace', () => {
  it('lets a token seen before exp resume the same file after exp, and nothing more', async () => {
    nowMs = T0 * 1000;
    const token = sign(key, { now: T0, expiresIn: 300 });
    expect((await get(withGrace, '/App.ipa', token, 'bytes=0-999')).status).toBe(206);
    nowMs = (T0 + 400) * 1000; // 100 s after exp
    expect(await get(withGrace, '/App.ipa', token, 'bytes=1000-')).toEqual({
      status: 206,
      length: 99_000,
    });
    expect((await get(withGrace, '/App.ipa', token)).status).toBe(401); // not a resume
    expect((await get(withGrace, '/Other.ipa', token, 'bytes=0-')).status).toBe(401); // another file
    expect((await get(without, '/App.ipa', token, 'bytes=1000-')).status).toBe(401); // grace off
    nowMs = (T0 + 300 + 601) * 1000; // past exp + grace
    expect((await get(withGrace, '/App.ipa', token, 'bytes=1000-')).status).toBe(401);
  });

  it('gives no grace to a token first presented after exp', async () => {
    nowMs = (T0 + 1000) * 1000;
    const token = sign(key, { now: T0 + 500, expiresIn: 300 }); // exp T0+800, never seen
    const res = await fetch(`${withGrace.url}/App.ipa?token=${token}`, {
      headers: { range: 'bytes=0-' },
    });
    expect(res.status).toBe(401);
    expect((await res.json()).code).toBe('TOKEN_EXPIRED');
  });
});

describe('LocalGraceMemory', () => {
  it('is bounded and keyed by token and path', () => {
    const m = new LocalGraceMemory(2);
    m.remember('a', { path: '/x', exp: 10 });
    m.remember('b', { path: '/x', exp: 10 });
    m.remember('c', { path: '/x', exp: 10 });
    expect(m.size).toBe(2);
    expect(m.lookupSync('a', '/x')).toBeUndefined();
    expect(m.lookupSync('c', '/x')).toEqual({ path: '/x', exp: 10 });
    expect(m.lookupSync('c', '/y')).toBeUndefined();
  });

  it('graceAllows needs an entry, a range request, the same path and time left', () => {
    const e = { path: '/x', exp: 100 };
    expect(graceAllows(e, { path: '/x', isRange: true }, 150, 60)).toBe(true);
    expect(graceAllows(e, { path: '/x', isRange: false }, 150, 60)).toBe(false);
    expect(graceAllows(e, { path: '/y', isRange: true }, 150, 60)).toBe(false);
    expect(graceAllows(e, { path: '/x', isRange: true }, 161, 60)).toBe(false);
    expect(graceAllows(undefined, { path: '/x', isRange: true }, 150, 60)).toBe(false);
    expect(graceAllows(e, { path: '/x', isRange: true }, 150, 0)).toBe(false);
  });
});
