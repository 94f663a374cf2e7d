/**
 * Issue 10 §1 at the public surface: every file of the hostile suite, driven through the built
 * binary as an admin would — found by the start-up rescan of `serve --data`, uploaded through
 * the admin API, added with `portcullis content add` — is recorded as unreadable with a stable
 * code, and meanwhile the same process keeps answering 1 KiB downloads. A restart does not read
 * the recorded files again. Timings are measured by `npm run bench:hostile`, not asserted here.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { type HostileFile, hostileSuite, ipaWith } from '../helpers/hostile-files.mjs';
import {
  adminToken,
  type DataDir,
  downloadToken,
  listContent,
  prepareDataDir,
  probeWhile,
  runCliAsync,
  type ServeChild,
  startServe,
  upload,
} from '../helpers/hostile-serve.mjs';

let dir: string;
let data: DataDir;
let serve: ServeChild;
let admin: string;
let smallUrl: string;
const suite: (HostileFile & { bytes: Buffer; file: string })[] = [];

async function records(): Promise<Map<string, Record<string, unknown>>> {
  return new Map((await listContent(serve.adminUrl, admin)).map((r) => [r.path as string, r]));
}

/** Runs `fn` while downloading small.bin back to back; every download must succeed. */
async function whileDownloading<T>(fn: () => Promise<T>): Promise<T> {
  const probe = probeWhile(smallUrl, serve.pid);
  const result = await fn();
  const stats = await probe.stop();
  expect(stats.failures).toBe(0);
  expect(stats.downloads).toBeGreaterThan(0);
  expect(serve.alive()).toBe(true);
  return result;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-hostile-'));
  data = prepareDataDir(dir);
  mkdirSync(join(dir, 'files'));
  mkdirSync(join(data.contentDir, 'startup'));
  for (const f of hostileSuite()) {
    const bytes = f.make();
    const file = join(dir, 'files', f.name);
    writeFileSync(file, bytes);
    // Already in the content root when the server starts: the start-up rescan reads them.
    writeFileSync(join(data.contentDir, 'startup', f.name), bytes);
    suite.push({ ...f, bytes, file });
  }
  serve = await startServe(data);
  admin = await adminToken(serve.adminUrl);
  smallUrl = `${serve.url}/small.bin?token=${downloadToken(data.privateKey)}`;
}, 120_000);

afterAll(async () => {
  await serve?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('hostile files never stall or kill the server', () => {
  it('the start-up rescan records each one as unreadable with its code, and serving goes on', async () => {
    await whileDownloading(async () => {
      const deadline = Date.now() + 60_000;
      let found = await records();
      while (suite.some((f) => !found.has(`startup/${f.name}`)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        found = await records();
      }
      for (const f of suite) {
        expect(found.get(`startup/${f.name}`), f.name).toMatchObject({
          readable: false,
          unreadableCode: f.code,
        });
      }
    });
  });

  it('an upload through the admin API is stored as unreadable with its code', async () => {
    for (const f of suite) {
      const res = await whileDownloading(() =>
        upload(serve.adminUrl, admin, `uploads/${f.name}`, f.bytes),
      );
      expect(res.status, f.name).toBe(201);
      expect(res.body, f.name).toMatchObject({ readable: false, unreadableCode: f.code });
      expect(res.body.warnings, f.name).toEqual([
        expect.objectContaining({ code: 'METADATA_UNREADABLE' }),
      ]);
    }
  });

  it('`portcullis content add` records it with its code, while the server keeps serving', async () => {
    for (const f of suite) {
      const r = await whileDownloading(() =>
        runCliAsync(['content', 'add', f.file, '--data', data.dataDir, '--path', `cli/${f.name}`]),
      );
      expect(r.status, `${f.name}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`warning: METADATA_UNREADABLE`);
      expect(r.stdout).toContain(`(${f.code})`);
    }
    const found = await records();
    for (const f of suite) {
      expect(found.get(`cli/${f.name}`), f.name).toMatchObject({ unreadableCode: f.code });
    }
  }, 180_000);

  it('a restart comes up, keeps the records and does not read the files again', async () => {
    const before = await records();
    await serve.stop();
    serve = await startServe(data);
    admin = await adminToken(serve.adminUrl);
    smallUrl = `${serve.url}/small.bin?token=${downloadToken(data.privateKey)}`;
    const res = await fetch(smallUrl);
    expect(res.status).toBe(200);
    const after = await records();
    for (const f of suite) {
      const path = `startup/${f.name}`;
      // Same record revision: the rescan saw an unchanged file and did not re-read it.
      expect(after.get(path)?.revision, f.name).toBe(before.get(path)?.revision);
      expect(after.get(path)?.updatedAt, f.name).toBe(before.get(path)?.updatedAt);
    }
  });

  it('`catalog.extractTimeoutSeconds` bounds each file: past it the file is recorded as timed out', async () => {
    const store = openSqliteStore({ dataDir: data.dataDir });
    await store.settings.set('catalog.extractTimeoutSeconds', '0.001');
    await store.close();
    try {
      // A good, small app: only the 1 ms limit can make it unreadable.
      const good = join(dir, 'files', 'good.ipa');
      writeFileSync(
        good,
        ipaWith(
          Buffer.from(
            '<plist><dict><key>CFBundleIdentifier</key><string>com.example.good</string></dict></plist>',
          ),
        ),
      );
      const r = await runCliAsync(['content', 'add', good, '--data', data.dataDir]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('(METADATA_TIMEOUT)');
    } finally {
      const reset = openSqliteStore({ dataDir: data.dataDir });
      await reset.settings.set('catalog.extractTimeoutSeconds', '5');
      await reset.close();
    }
    const again = await runCliAsync([
      'content',
      'add',
      join(dir, 'files', 'good.ipa'),
      '--data',
      data.dataDir,
    ]);
    expect(again.stdout).not.toContain('warning');
    expect((await records()).get('good.ipa')).toMatchObject({
      readable: true,
      bundleId: 'com.example.good',
    });
  });
});
