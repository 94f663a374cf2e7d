/**
 * The extraction worker: same metadata as reading in-process, the readers' codes carried back,
 * and a file that overruns the heap or the clock costs only that worker — the next file is read
 * by a fresh one. Runs the compiled worker from dist/ (built first, see test/helpers/dist.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogError } from '../../src/catalog/errors.js';
import { extractKindMetadata } from '../../src/catalog/extract-kind.js';
import { MetadataExtractor } from '../../src/catalog/extract-pool.js';
import { ensureBuilt } from '../helpers/dist.js';
import { hostileSuite, ipaWith } from '../helpers/hostile-files.mjs';
import { type Fixtures, makeFixtures } from './fixtures.js';

let fx: Fixtures;
let dir: string;
const extractors: MetadataExtractor[] = [];

function extractor(opts?: ConstructorParameters<typeof MetadataExtractor>[0]): MetadataExtractor {
  const x = new MetadataExtractor(opts);
  extractors.push(x);
  return x;
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CatalogError) return err.code;
    throw err;
  }
  return undefined;
}

/** An .ipa whose (valid) XML Info.plist holds ~3 MB of strings: fine, but not in an 8 MiB heap. */
function heavyIpa(): string {
  const items = Array.from({ length: 20_000 }, (_, i) => `<string>${'y'.repeat(150)}${i}</string>`);
  const file = join(dir, 'heavy.ipa');
  writeFileSync(
    file,
    ipaWith(
      Buffer.from(
        `<?xml version="1.0"?><plist><dict><key>CFBundleIdentifier</key><string>com.example.heavy</string><key>L</key><array>${items.join('')}</array></dict></plist>`,
      ),
    ),
  );
  return file;
}

beforeAll(() => {
  ensureBuilt();
  fx = makeFixtures({ basic: true });
  dir = mkdtempSync(join(tmpdir(), 'portcullis-extract-'));
}, 120_000);
afterAll(async () => {
  for (const x of extractors) await x.close();
  fx?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('MetadataExtractor', () => {
  it('returns exactly what reading in-process returns', async () => {
    const x = extractor();
    for (const name of ['app-binary.ipa', 'app-xml.ipa', 'book.epub', 'component.pkg']) {
      expect(await x.extract(fx.path(name), name)).toEqual(
        await extractKindMetadata(fx.path(name), name),
      );
    }
  });

  it('carries every hostile file’s code back from the worker', async () => {
    const x = extractor();
    for (const f of hostileSuite()) {
      const file = join(dir, f.name);
      writeFileSync(file, f.make());
      expect(await codeOf(x.extract(file, f.name)), f.name).toBe(f.code);
    }
  });

  it('terminates a worker past the timeout and reads the next file with a fresh one', async () => {
    const x = extractor();
    x.timeoutMs = 1;
    expect(await codeOf(x.extract(fx.path('app-binary.ipa'), 'app.ipa'))).toBe('METADATA_TIMEOUT');
    x.timeoutMs = 20_000;
    expect(await x.extract(fx.path('app-binary.ipa'), 'app.ipa')).toMatchObject({
      bundleId: 'com.example.fieldkit',
    });
  });

  it('reports a worker that runs out of heap and recovers for the next file', async () => {
    const x = extractor({ maxHeapMb: 8 });
    expect(await codeOf(x.extract(heavyIpa(), 'heavy.ipa'))).toBe('METADATA_WORKER_FAILED');
    // The next worker gets an ordinary heap: an 8 MiB one is at the edge of what a bare worker
    // needs on Node 24, and this checks the recovery, not how small a heap can be.
    x.maxHeapMb = 64;
    const small = join(dir, 'small.ipa');
    writeFileSync(
      small,
      ipaWith(
        Buffer.from(
          '<plist><dict><key>CFBundleIdentifier</key><string>com.example.small</string></dict></plist>',
        ),
      ),
    );
    expect(await x.extract(small, 'small.ipa')).toEqual({ bundleId: 'com.example.small' });
  });

  it('a slow store is not a slow file: time waiting for reads extends the limit', async () => {
    const bytes = readFileSync(fx.path('app-binary.ipa'));
    // Every ranged read takes 600 ms (a distant bucket), longer than the whole 400 ms limit;
    // the worker's own time stays tiny.
    const slow = {
      size: bytes.length,
      read: (offset: number, length: number) =>
        new Promise<Uint8Array>((r) =>
          setTimeout(() => r(bytes.subarray(offset, offset + length)), 600),
        ),
    };
    const x = extractor({ timeoutMs: 400 });
    await x.extract(fx.path('app-xml.ipa'), 'warm.ipa'); // the worker's start is not the point
    expect(await x.extract(slow, 'slow.ipa')).toEqual(
      await extractKindMetadata(fx.path('app-binary.ipa'), 'app-binary.ipa'),
    );
  });

  it('refuses work beyond its queue with METADATA_BUSY, and missing files with their errno', async () => {
    const x = extractor({ maxQueue: 1 });
    const file = fx.path('app-binary.ipa');
    const first = x.extract(file, 'a.ipa');
    const second = x.extract(file, 'a.ipa');
    expect(await codeOf(x.extract(file, 'a.ipa'))).toBe('METADATA_BUSY');
    await Promise.all([first, second]);
    await expect(x.extract(join(dir, 'missing.ipa'), 'missing.ipa')).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
