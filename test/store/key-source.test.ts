/** The store-backed KeySource: enabled keys only, labelled by id, live changes via watch(). */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeKeySource } from '../../src/store/key-source.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { configInput } from './contract.js';

const root = mkdtempSync(join(tmpdir(), 'portcullis-keysource-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const pems = [0, 1].map(
  () =>
    generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    }) as string,
);

let n = 0;
let store: Store;
let other: Store;
beforeEach(() => {
  const dataDir = join(root, `d${++n}`);
  store = openSqliteStore({ dataDir });
  other = openSqliteStore({ dataDir });
});
afterEach(async () => {
  await store.close();
  await other.close();
});

/** Resolves on the next onChange call. */
function nextChange(source: ReturnType<typeof storeKeySource>) {
  let stop = () => {};
  const changed = new Promise<void>((resolve) => {
    stop = source.watch!(() => resolve());
  });
  return { changed, stop: () => stop() };
}

describe('storeKeySource', () => {
  it('loads the public keys of enabled configurations, labelled by id with their kid', async () => {
    const on = await store.configurations.create(configInput({ publicKeyPem: pems[0], kid: 'a' }));
    await store.configurations.create(
      configInput({ publicKeyPem: pems[1], kid: 'b', enabled: false }),
    );
    const keys = await storeKeySource(store).load();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kid: 'a', alg: 'RS256', label: on.id });
    expect((keys[0]!.key as KeyObject).export({ type: 'spki', format: 'pem' })).toBe(pems[0]);
    expect(storeKeySource(store).describe()).not.toMatch(/\//);
  });

  it('skips a configuration whose stored public key is unreadable instead of failing', async () => {
    await store.configurations.create(configInput({ publicKeyPem: 'garbage', kid: 'bad' }));
    await store.configurations.create(configInput({ publicKeyPem: pems[0], kid: 'good' }));
    const warnings: unknown[] = [];
    const keys = await storeKeySource(store, { logger: { warn: (o) => warnings.push(o) } }).load();
    expect(keys.map((k) => k.kid)).toEqual(['good']);
    expect(warnings).toHaveLength(1);
  });

  it('reports a disable made through another Store instance within the poll interval', async () => {
    const cfg = await store.configurations.create(configInput({ publicKeyPem: pems[0] }));
    const source = storeKeySource(store, { pollMs: 20 });
    expect(await source.load()).toHaveLength(1);
    const watch = nextChange(source);
    await other.configurations.update(cfg.id, { enabled: false });
    await watch.changed;
    watch.stop();
    expect(await source.load()).toHaveLength(0);
  });

  it('reports enable and rotation, and stays quiet after stop()', async () => {
    const cfg = await store.configurations.create(
      configInput({ publicKeyPem: pems[0], enabled: false }),
    );
    const source = storeKeySource(store, { pollMs: 20 });
    await source.load();
    let watch = nextChange(source);
    await other.configurations.update(cfg.id, { enabled: true });
    await watch.changed;
    watch.stop();
    watch = nextChange(source);
    await other.configurations.update(cfg.id, { publicKeyPem: pems[1], kid: 'rotated' });
    await watch.changed;
    watch.stop();
    expect(await source.load()).toMatchObject([{ kid: 'rotated', label: cfg.id }]);

    let calls = 0;
    const stop = source.watch!(() => calls++);
    stop();
    await other.configurations.delete(cfg.id);
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(0);
  });
});

describe('storeKeySource with a store that stops answering', () => {
  it('says degraded once a poll outlives its deadline, asks once at a time, and recovers on the answer', async () => {
    await store.configurations.create(configInput({ publicKeyPem: pems[0] }));
    // The real store, with its generation query held while `silent` is set (a database that
    // keeps the connection and answers nothing).
    let silent = false;
    let asked = 0;
    const held: Array<() => void> = [];
    const real = store.configurations.generation.bind(store.configurations);
    const quiet: Store = {
      ...store,
      configurations: {
        ...store.configurations,
        generation: () => {
          asked++;
          if (!silent) return real();
          return new Promise<number>((resolve) => held.push(() => void real().then(resolve)));
        },
      },
    };
    const source = storeKeySource(quiet, { pollMs: 10, pollDeadlineMs: 50 });
    await source.load();
    let changes = 0;
    const stop = source.watch!(() => changes++);
    try {
      await new Promise((r) => setTimeout(r, 40));
      expect(source.degraded!()).toBe(false);
      silent = true;
      const before = asked;
      await new Promise((r) => setTimeout(r, 300));
      expect(source.degraded!()).toBe(true);
      // ~30 poll intervals passed; one query went out and is still held.
      expect(asked - before).toBe(1);
      // Meanwhile another node disabled a configuration; the database answers again.
      const [cfg] = await other.configurations.list();
      await other.configurations.update(cfg!.id, { enabled: false });
      silent = false;
      for (const release of held.splice(0)) release();
      await new Promise((r) => setTimeout(r, 100));
      expect(source.degraded!()).toBe(false);
      expect(changes).toBe(1);
    } finally {
      stop();
    }
  });
});
