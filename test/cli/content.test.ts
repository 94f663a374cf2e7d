/**
 * `portcullis content` through the built binary: add (with metadata and warnings), list, show,
 * rescan, remove, and refusals with exit code 2 and no stack trace.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixtures, makeFixtures } from '../catalog/fixtures.js';
import { CLI, ensureBuilt } from '../helpers/dist.js';

let dir: string;
let files: Fixtures;

function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd: dir }, (err, stdout, stderr) => {
      done({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(() => {
  ensureBuilt();
  files = makeFixtures({ basic: true });
  dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-content-'));
}, 120_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  files?.cleanup();
});

describe('portcullis content', () => {
  it('adds an app into <data>/content with its metadata and warns about the profile', async () => {
    const r = await cli(
      'content',
      'add',
      files.path('app-xml.ipa'),
      '--data',
      'd',
      '--path',
      'apps/Field Kit.ipa',
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^added apps\/Field Kit\.ipa \(app, \d+ bytes, sha256 [0-9a-f]{64}\)/);
    expect(r.stdout).toContain('warning: PROFILE_EXPIRES_SOON');
    expect(
      readFileSync(join(dir, 'd', 'content', 'apps', 'Field Kit.ipa')).equals(
        readFileSync(files.path('app-xml.ipa')),
      ),
    ).toBe(true);
  });

  it('lists and shows records, as a table and as JSON', async () => {
    await cli('content', 'add', files.path('book.epub'), '--data', 'd');
    const table = await cli('content', 'list', '--data', 'd');
    expect(table.stdout.split('\n')[0]).toMatch(/^KIND\s+SIZE\s+ID\s+VERSION\s+PATH$/);
    expect(table.stdout).toMatch(
      /app\s+\d+\s+com\.example\.fieldkit\s+2\.4\.1\s+apps\/Field Kit\.ipa/,
    );
    const json = JSON.parse(
      (await cli('content', 'list', '--data', 'd', '--json')).stdout,
    ) as Array<Record<string, unknown>>;
    expect(json.map((r) => r.path)).toEqual(['apps/Field Kit.ipa', 'book.epub']);
    const show = JSON.parse(
      (await cli('content', 'show', 'book.epub', '--data', 'd', '--json')).stdout,
    );
    expect(show).toMatchObject({
      kind: 'book',
      title: 'Safety & Procedures — Édition 2',
      etag: expect.stringMatching(/^"[0-9a-f]{64}"$/),
    });
  });

  it('rescans files dropped into the root and removes content', async () => {
    writeFileSync(join(dir, 'd', 'content', 'guide.pdf'), readFileSync(files.path('guide.pdf')));
    const r = await cli('content', 'rescan', '--data', 'd', '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ added: ['guide.pdf'], removed: [] });
    const rm = await cli('content', 'remove', 'guide.pdf', '--data', 'd');
    expect(rm).toMatchObject({ status: 0, stdout: 'removed guide.pdf\n' });
    expect(existsSync(join(dir, 'd', 'content', 'guide.pdf'))).toBe(false);
  });

  it('refuses hostile paths and unknown content with exit 2 and one line on stderr', async () => {
    const bad = await cli(
      'content',
      'add',
      files.path('guide.pdf'),
      '--data',
      'd',
      '--path',
      '../escape.pdf',
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^portcullis: .*PATH_INVALID.*\n$/);
    expect(existsSync(join(dir, 'd', 'escape.pdf'))).toBe(false);
    // The listener never serves a file under its reserved prefix: refused in any spelling.
    for (const path of ['_portcullis/guide.pdf', '/_PortCullis/guide.pdf', '_portcullis']) {
      const reserved = await cli(
        'content',
        'add',
        files.path('guide.pdf'),
        '--data',
        'd',
        '--path',
        path,
      );
      expect(reserved.status, path).toBe(2);
      expect(reserved.stderr).toMatch(
        /^portcullis: .*\/_portcullis\/ is reserved.*\(PATH_INVALID\)\n$/,
      );
    }
    expect(readdirSync(join(dir, 'd', 'content')).some((n) => /^_portcullis$/i.test(n))).toBe(
      false,
    );
    const missing = await cli('content', 'remove', 'nope.pdf', '--data', 'd');
    expect(missing).toMatchObject({ status: 2, stderr: 'portcullis: no content at nope.pdf\n' });
    const noStore = await cli('content', 'list', '--data', 'elsewhere');
    expect(noStore.status).toBe(2);
  });
});
