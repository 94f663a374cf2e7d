/**
 * docs/ddm.md's worked examples, run as written: every shell block marked `<!-- ddm-example -->`
 * is run by bash with `portcullis` being the built CLI, in a directory holding the files the
 * guide names, and the JSON block after it must match what the command printed (values written
 * `…` in the guide differ per run and match by their text around the `…`). Then the exported
 * declarations are used the way a device would: the ManifestURL is fetched from a real
 * `serve --data` listener, the package URL inside carries a fresh download token that downloads
 * the file, and after the link is revoked the same ManifestURL is refused.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/app.js';
import { type Launched, launch } from '../../src/app/launch.js';
import { probeRunner } from '../../src/probe/runner.js';
import { loadServeConfig } from '../../src/server/config.js';
import { openStoreWithSecret } from '../../src/store/open.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { addAccount, bearer, login } from '../admin/helpers.js';
import { declarationProblems } from '../catalog/apple/schema-check.js';
import { type Fixtures, makeFixtures } from '../catalog/fixtures.js';
import { CLI, ensureBuilt, ROOT } from '../helpers/dist.js';

const guide = readFileSync(join(ROOT, 'docs/ddm.md'), 'utf8');
let work: string;
let files: Fixtures;
let configId = '';
const env: Record<string, string> = {};

/** Each marked example: its shell text and the JSON the guide says it prints (if any). */
function examples(): Array<{ sh: string; json: string | undefined }> {
  return guide
    .split('<!-- ddm-example -->')
    .slice(1)
    .map((part) => {
      const sh = /^\s*```sh\n([\s\S]*?)```/.exec(part);
      if (!sh) throw new Error('a ddm-example marker without a sh block');
      const rest = part.slice(sh[0].length);
      const json = /^\s*```json\n([\s\S]*?)```/.exec(rest);
      return { sh: sh[1]!, json: json?.[1] };
    });
}

function bash(script: string) {
  const prelude = `set -eu\nportcullis() { "${process.execPath}" "${CLI}" "$@"; }\n`;
  const r = spawnSync('bash', ['-c', prelude + script], {
    cwd: work,
    env: { PATH: process.env.PATH ?? '', HOME: work, ...env },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return r;
}

/**
 * The guide's value `doc` against the printed `actual`: same keys, equal values, except that a
 * string with `…` matches any string that starts and ends like it.
 */
function matches(doc: unknown, actual: unknown, at = '$'): string[] {
  if (typeof doc === 'string' && doc.includes('…')) {
    const [head = '', tail = ''] = doc.split('…');
    return typeof actual === 'string' && actual.startsWith(head) && actual.endsWith(tail)
      ? []
      : [`${at}: ${JSON.stringify(actual)} is not ${JSON.stringify(doc)}`];
  }
  if (doc !== null && typeof doc === 'object' && actual !== null && typeof actual === 'object') {
    const keys = new Set([...Object.keys(doc), ...Object.keys(actual)]);
    return [...keys].flatMap((k) =>
      matches(
        (doc as Record<string, unknown>)[k],
        (actual as Record<string, unknown>)[k],
        `${at}.${k}`,
      ),
    );
  }
  return Object.is(doc, actual)
    ? []
    : [`${at}: ${JSON.stringify(actual)} is not ${JSON.stringify(doc)}`];
}

beforeAll(async () => {
  ensureBuilt();
  files = makeFixtures({ basic: true });
  work = mkdtempSync(join(tmpdir(), 'portcullis-ddm-docs-'));
  copyFileSync(files.path('component.pkg'), join(work, 'Agent.pkg'));
  copyFileSync(files.path('app-binary.ipa'), join(work, 'Field Kit.ipa'));
  const xml = /The file used above, `fieldkit.plist`:\s*```xml\n([\s\S]*?)```/.exec(guide);
  if (!xml) throw new Error('docs/ddm.md lost the fieldkit.plist block');
  writeFileSync(join(work, 'fieldkit.plist'), xml[1]!);
}, 120_000);

afterAll(() => {
  files?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('docs/ddm.md worked examples', () => {
  const printed: unknown[] = [];

  it('runs every example as written and prints what the guide shows', async () => {
    const all = examples();
    expect(all.length).toBe(5);
    // The first example fills the catalog; a JWT configuration is made as an admin would.
    bash(all[0]!.sh);
    const data = join(work, 'portcullis-data');
    const { store, secret } = await openStoreWithSecret({ dataDir: data }, data);
    const app = await buildAdminApp({
      store,
      secret,
      publicUrl: 'https://dist.example.com',
      contentRoot: join(data, 'content'),
      probe: probeRunner,
    });
    await addAccount(store, 'alice', 'admin');
    const made = await app.inject({
      method: 'POST',
      url: '/api/v1/jwt-configurations',
      headers: bearer(await login(app, 'alice')),
      payload: { displayName: 'Declarations' },
    });
    configId = made.json().id;
    await app.close();
    await store.close();
    env.CONFIG = configId;
    for (const [i, example] of all.entries()) {
      if (i === 0) continue;
      const out = JSON.parse(bash(example.sh).stdout);
      printed[i] = out;
      if (i === 1) env.LINK = out.link.id;
      expect(example.json, `example ${i} has no JSON block`).toBeDefined();
      expect(matches(JSON.parse(example.json!), out)).toEqual([]);
      expect(declarationProblems(out.declaration ?? out)).toEqual([]);
    }
    // The second export with the same link is the same declaration, ServerToken included.
    expect(printed[2]).toEqual((printed[1] as { declaration: unknown }).declaration);
  }, 120_000);

  it("the guide's fieldkit.plist values are the printed Size and hash", () => {
    const asset = printed[4] as { Payload: { Reference: Record<string, unknown> } };
    const bytes = readFileSync(join(work, 'fieldkit.plist'));
    expect(asset.Payload.Reference.Size).toBe(bytes.length);
    expect(asset.Payload.Reference['Hash-SHA-256']).toBe(
      createHash('sha256').update(bytes).digest('hex'),
    );
  });

  it('a device fetches the ManifestURL, then the package with the fresh token; a revoke ends it', async () => {
    const data = join(work, 'portcullis-data');
    const config = loadServeConfig({
      flags: {
        data,
        root: join(data, 'content'),
        port: 0,
        admin: false,
        workers: 1,
        logLevel: 'silent',
        publicUrl: 'https://dist.example.com',
      },
    });
    let running: Launched | undefined;
    try {
      running = await launch(config, { dataGiven: true, stderr: () => {} });
      const base = running.server.url.replace(/\/+$/, '');
      const manifestUrl = new URL(
        (printed[1] as { declaration: { Payload: { ManifestURL: string } } }).declaration.Payload
          .ManifestURL,
      );
      const fetchManifest = () => fetch(`${base}${manifestUrl.pathname}${manifestUrl.search}`);
      const res = await fetchManifest();
      expect(res.status).toBe(200);
      const plist = JSON.parse(
        execFileSync(
          'python3',
          [
            '-c',
            'import plistlib,sys,json;print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))',
          ],
          { input: Buffer.from(await res.arrayBuffer()) },
        ).toString('utf8'),
      ) as { items: Array<{ assets: Array<{ url: string }> }> };
      const pkgUrl = new URL(plist.items[0]!.assets[0]!.url);
      expect(pkgUrl.origin).toBe('https://dist.example.com');
      const token = pkgUrl.searchParams.get('token') ?? '';
      // A fresh JWT, not the link.
      expect(token).toMatch(/^eyJ/);
      expect(token).not.toBe(manifestUrl.searchParams.get('token'));
      const download = await fetch(`${base}${pkgUrl.pathname}${pkgUrl.search}`);
      expect(download.status).toBe(200);
      expect(
        createHash('sha256')
          .update(Buffer.from(await download.arrayBuffer()))
          .digest('hex'),
      ).toBe(
        createHash('sha256')
          .update(readFileSync(join(work, 'Agent.pkg')))
          .digest('hex'),
      );
      // The asset's DataURL carries no token: a token-only listener refuses it.
      const asset = printed[4] as { Payload: { Reference: { DataURL: string } } };
      const dataUrl = new URL(asset.Payload.Reference.DataURL);
      expect((await fetch(`${base}${dataUrl.pathname}`)).status).toBe(401);
      // Revoked (from another handle on the same store, as another admin would): refused at once.
      const other = openSqliteStore({ dataDir: data });
      await other.manifestLinks.revoke(env.LINK!, 'test');
      await other.close();
      expect((await fetchManifest()).status).toBe(401);
    } finally {
      await running?.close();
    }
  }, 60_000);
});

describe('portcullis content declaration refuses what it cannot export', () => {
  /** The CLI in the guide's directory; never throws, returns status and output. */
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [CLI, 'content', 'declaration', ...args], {
      cwd: work,
      env: { PATH: process.env.PATH ?? '', HOME: work },
      encoding: 'utf8',
    });
  const url = ['--public-url', 'https://dist.example.com'];

  it.each([
    [
      ['mac/Agent.pkg', '--type', 'package', ...url],
      /--link: give exactly one of --link <id> or --new-link/,
    ],
    [['mac/Agent.pkg', '--type', 'package', '--link', 'x', '--new-link', ...url], /--link:/],
    [['mac/Agent.pkg', '--type', 'package', '--link', "1' OR 1=1", ...url], /--link:/],
    [['mac/Agent.pkg', '--type', 'pkg', '--new-link', ...url], /--type:/],
    [['mac/Agent.pkg', '--type', 'package', '--new-link', '--config', 'c', ...url], /--label:/],
    [
      [
        'ios/Field Kit.ipa',
        '--type',
        'app.managed',
        '--include-in-backup',
        'maybe',
        '--new-link',
        '--config',
        'c',
        '--label',
        'l',
        ...url,
      ],
      /--include-in-backup:/,
    ],
    [
      [
        'mac/Agent.pkg',
        '--type',
        'package',
        '--link',
        '00000000-0000-4000-8000-000000000000',
        '--config',
        'c',
        ...url,
      ],
      /go with --new-link/,
    ],
    [
      ['mac/Agent.pkg', '--type', 'package', '--identifier', '../etc', '--new-link', ...url],
      /--identifier:/,
    ],
    [
      ['mac/Agent.pkg', '--type', 'asset.data', '--public-url', 'ftp://x'],
      /"publicUrl" \(--public-url\): expected an http:\/\/ or https:\/\/ URL \(CONFIG_INVALID\)/,
    ],
    [
      ['mac/Agent.pkg', '--type', 'asset.data', '--public-url', 'https://x/base?q=1'],
      /"publicUrl" \(--public-url\): must not have a query \(\?…\) \(CONFIG_INVALID\)/,
    ],
    [
      [
        'ios/Field Kit.ipa',
        '--type',
        'package',
        '--new-link',
        '--config',
        'c',
        '--label',
        'l',
        ...url,
      ],
      /DECLARATION_NOT_APPLICABLE/,
    ],
    [['mac/Nope.pkg', '--type', 'asset.data', ...url], /CONTENT_NOT_FOUND/],
    [
      [
        'mac/Agent.pkg',
        '--type',
        'package',
        '--new-link',
        '--config',
        'Nope',
        '--label',
        'l',
        ...url,
      ],
      /^portcullis: --config: no JWT configuration has the id or display name "Nope"; the store has "/,
    ],
    [
      [
        'mac/Agent.pkg',
        '--type',
        'package',
        '--link',
        '00000000-0000-4000-8000-000000000000',
        ...url,
      ],
      /NOT_FOUND/,
    ],
  ])('%j', (args, message) => {
    const r = cli(args);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/pml_|eyJ|at .*\.js/);
  });

  it('a revoked link is refused like a missing one, and nothing was created by the refusals', async () => {
    const r = cli(['mac/Agent.pkg', '--type', 'package', '--link', env.LINK!, ...url]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/No active manifest link with this id\. \(NOT_FOUND\)/);
    const store = openSqliteStore({ dataDir: join(work, 'portcullis-data') });
    try {
      // One link per export that asked for one (package, app.managed), none from the refusals.
      expect(await store.manifestLinks.list({})).toHaveLength(2);
    } finally {
      await store.close();
    }
  });
});
