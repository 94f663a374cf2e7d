/**
 * Concurrent writers on one database file: two Store instances in this process and one in a
 * child process (running the built dist/ code) write audit batches and configurations at the
 * same time. Nothing may be lost and no SQLITE_BUSY may escape.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { ensureBuilt as ensureStoreBuilt } from '../helpers/dist.js';
import { configInput, downloadEvent } from './contract.js';

const root = mkdtempSync(join(tmpdir(), 'portcullis-concurrency-'));
beforeAll(() => ensureStoreBuilt(), 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ROUNDS = 40;
const BATCH = 25;
const distStore = resolve('dist/store/sqlite.js');

/** The child's program: same workload as `writeLoad`, through the compiled store. */
const CHILD = `
const [url, file, tag, rounds, batch] = process.argv.slice(1);
const { openSqliteStore } = await import(url);
const store = openSqliteStore({ file });
for (let i = 0; i < Number(rounds); i++) {
  const events = Array.from({ length: Number(batch) }, () => ({
    time: Date.now(), method: 'GET', path: '/p', status: 200, outcome: 'OK', bytesSent: i,
    clientAddress: tag, durationMs: 1, via: 'file',
  }));
  await store.audit.insert(events);
  await store.configurations.create({
    id: tag + '-' + i, displayName: tag + ' ' + i, privateKeyCiphertext: 'v1:x', publicKeyPem: 'P',
    kid: 'k', fingerprint: 'f', keyBits: 2048, certificatePem: null, tokenExpirySeconds: 60,
    enabled: true, createdBy: null,
  });
}
await store.close();
`;

function runChild(file: string, tag: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const args = ['--input-type=module', '-e', CHILD, pathToFileURL(distStore).href, file, tag];
    const child = spawn(process.execPath, [...args, String(ROUNDS), String(BATCH)]);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr }));
  });
}

/** Writes rounds until at least ROUNDS are done and `busyElsewhere()` is false; returns the count. */
async function writeLoad(store: Store, tag: string, busyElsewhere: () => boolean): Promise<number> {
  let i = 0;
  for (; i < ROUNDS || busyElsewhere(); i++) {
    // Store calls without contention complete in microtasks; yield so the child's exit is seen.
    await new Promise((r) => setImmediate(r));
    await store.audit.insert(
      Array.from({ length: BATCH }, () => downloadEvent({ clientAddress: tag, bytesSent: i })),
    );
    await store.configurations.create(
      configInput({ id: `${tag}-${i}`, displayName: `${tag} ${i}` }),
    );
    if (i % 10 === 0) {
      // An async transaction spanning awaits while the other in-process Store keeps writing.
      await store.transaction(async () => {
        await store.settings.set(`${tag}-last`, String(i));
        await store.changes.record({
          actor: tag,
          action: 'test.write',
          targetType: 'test',
          targetId: String(i),
          details: {},
        });
      });
    }
  }
  return i;
}

describe('concurrent writers', () => {
  it('lose no writes across two in-process stores and a child process', async () => {
    expect(existsSync(distStore), 'run `npm run build` first (CLI/child tests use dist/)').toBe(
      true,
    );
    const file = join(root, 'shared.db');
    const a = openSqliteStore({ file });
    const b = openSqliteStore({ file });
    let childRunning = true;
    const childDone = runChild(file, 'c').finally(() => {
      childRunning = false;
    });
    // The in-process writers keep going until the child has finished, so all three overlap.
    const [child, roundsA, roundsB] = await Promise.all([
      childDone,
      writeLoad(a, 'a', () => childRunning),
      writeLoad(b, 'b', () => childRunning),
    ]);
    expect(child.stderr).toBe('');
    expect(child.code).toBe(0);
    const rounds: Record<string, number> = { a: roundsA, b: roundsB, c: ROUNDS };

    for (const tag of ['a', 'b', 'c']) {
      let count = 0;
      let cursor: string | undefined;
      do {
        const page = await a.audit.query({ limit: 1000, cursor });
        count += page.items.filter((e) => e.clientAddress === tag).length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(count, `audit events from ${tag}`).toBe(rounds[tag]! * BATCH);
    }
    const total = roundsA + roundsB + ROUNDS;
    expect(await b.configurations.list()).toHaveLength(total);
    expect(await a.configurations.generation()).toBe(total);
    expect(await b.settings.get('a-last')).toBe(String(Math.floor((roundsA - 1) / 10) * 10));
    expect((await a.changes.query({ actor: 'b' })).items).toHaveLength(Math.ceil(roundsB / 10));
    await a.close();
    await b.close();
  });

  it('refuses (instead of deadlocking) a second in-process Store used inside a transaction', async () => {
    const file = join(root, 'mixed.db');
    const a = openSqliteStore({ file });
    const b = openSqliteStore({ file });
    await expect(
      a.transaction(async () => {
        await a.settings.set('x', '1');
        await b.settings.set('y', '1');
      }),
    ).rejects.toThrow(TypeError);
    expect(await b.settings.get('x')).toBeUndefined();
    await b.settings.set('y', '2');
    expect(await a.settings.get('y')).toBe('2');
    await a.close();
    await b.close();
  });

  it('lets several processes open a fresh file at once, migrating it exactly once', async () => {
    const file = join(root, 'fresh.db');
    const opener = `const { openSqliteStore } = await import(process.argv[1]);
      const s = openSqliteStore({ file: process.argv[2] }); await s.settings.get('x'); await s.close();`;
    const results = await Promise.all(
      Array.from(
        { length: 3 },
        () =>
          new Promise<number | null>((done) => {
            const child = spawn(process.execPath, [
              '--input-type=module',
              '-e',
              opener,
              pathToFileURL(distStore).href,
              file,
            ]);
            child.stderr.pipe(process.stderr);
            child.on('close', done);
          }),
      ),
    );
    expect(results).toEqual([0, 0, 0]);
    const store = openSqliteStore({ file });
    await store.audit.insert([downloadEvent()]);
    expect((await store.audit.query({})).items).toHaveLength(1);
    await store.close();
  });
});
