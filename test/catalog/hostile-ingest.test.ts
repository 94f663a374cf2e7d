/**
 * Issue 10 §1 at the public surface, on a content root: every file of the hostile suite, driven
 * through the built binary as an admin would — found by the start-up rescan of `serve --data`,
 * uploaded through the admin API (both in hostile-ingest-suite.ts, shared with the bucket),
 * added with `portcullis content add` — is recorded as unreadable with a stable code, and
 * meanwhile the same process keeps answering 1 KiB downloads. A restart does not read the
 * recorded files again. Timings are measured by `npm run bench:hostile`, not asserted here.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { ipaWith } from '../helpers/hostile-files.mjs';
import { runCliAsync } from '../helpers/hostile-serve.mjs';
import { hostileIngestSuite } from './hostile-ingest-suite.js';

describe('hostile files never stall or kill the server', () => {
  const h = hostileIngestSuite({
    prefix: 'portcullis-hostile-',
    rescanMs: 60_000,
    async prepare(dir, data, suite) {
      mkdirSync(join(dir, 'files'));
      mkdirSync(join(data.contentDir, 'startup'));
      for (const f of suite) {
        writeFileSync(join(dir, 'files', f.name), f.bytes);
        writeFileSync(join(data.contentDir, 'startup', f.name), f.bytes);
      }
      return {};
    },
  });

  it('`portcullis content add` records it with its code, while the server keeps serving', async () => {
    for (const f of h.suite) {
      const file = join(h.dir, 'files', f.name);
      const r = await h.whileDownloading(() =>
        runCliAsync(['content', 'add', file, '--data', h.data.dataDir, '--path', `cli/${f.name}`]),
      );
      expect(r.status, `${f.name}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`warning: METADATA_UNREADABLE`);
      expect(r.stdout).toContain(`(${f.code})`);
    }
    const found = await h.records();
    for (const f of h.suite) {
      expect(found.get(`cli/${f.name}`), f.name).toMatchObject({ unreadableCode: f.code });
    }
  }, 180_000);

  it('a restart comes up, keeps the records and does not read the files again', async () => {
    const before = await h.records();
    await h.restart();
    expect((await fetch(h.smallUrl)).status).toBe(200);
    const after = await h.records();
    for (const f of h.suite) {
      const path = `startup/${f.name}`;
      // Same record revision: the rescan saw an unchanged file and did not re-read it.
      expect(after.get(path)?.revision, f.name).toBe(before.get(path)?.revision);
      expect(after.get(path)?.updatedAt, f.name).toBe(before.get(path)?.updatedAt);
    }
  });

  it('`catalog.extractTimeoutSeconds` bounds each file: past it the file is recorded as timed out', async () => {
    const store = openSqliteStore({ dataDir: h.data.dataDir });
    await store.settings.set('catalog.extractTimeoutSeconds', '0.001');
    await store.close();
    try {
      // A good, small app: only the 1 ms limit can make it unreadable.
      const good = join(h.dir, 'files', 'good.ipa');
      writeFileSync(
        good,
        ipaWith(
          Buffer.from(
            '<plist><dict><key>CFBundleIdentifier</key><string>com.example.good</string></dict></plist>',
          ),
        ),
      );
      const r = await runCliAsync(['content', 'add', good, '--data', h.data.dataDir]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('(METADATA_TIMEOUT)');
    } finally {
      const reset = openSqliteStore({ dataDir: h.data.dataDir });
      await reset.settings.set('catalog.extractTimeoutSeconds', '5');
      await reset.close();
    }
    const again = await runCliAsync([
      'content',
      'add',
      join(h.dir, 'files', 'good.ipa'),
      '--data',
      h.data.dataDir,
    ]);
    expect(again.stdout).not.toContain('warning');
    expect((await h.records()).get('good.ipa')).toMatchObject({
      readable: true,
      bundleId: 'com.example.good',
    });
  });
});
