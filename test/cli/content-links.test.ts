/**
 * `portcullis content link|links|link-url|revoke-link` through the built binary, on a data
 * directory with no server running: the printed URL carries the token the data directory's
 * secret derives (so a node serving that store accepts it), lists never show a token, every
 * create/reveal/revoke is a change-log row by `cli` without the token, hostile input is refused
 * with exit code 2 and one line, and `content remove` revokes the item's links.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkTokenKey } from '../../src/store/link-token.js';
import { loadOrCreateSecret } from '../../src/store/secret.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { type Fixtures, makeFixtures } from '../catalog/fixtures.js';
import { CLI, ensureBuilt } from '../helpers/dist.js';
import { configInput } from '../store/contract.js';

let dir: string;
let data: string;
let files: Fixtures;
const configId = '6f1c7c1e-1111-4e3b-9c1a-0000000000aa';

function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd: dir }, (err, stdout, stderr) => {
      done({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const D = () => ['--data', data];
const PUB = ['--public-url', 'https://dl.example.test/'];

async function changes() {
  const store = openSqliteStore({ dataDir: data });
  try {
    return (await store.changes.query({ limit: 1000 })).items;
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  ensureBuilt();
  files = makeFixtures({ basic: true });
  dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-links-'));
  data = join(dir, 'data ü');
  const add = await cli(
    'content',
    'add',
    files.path('component.pkg'),
    ...D(),
    '--path',
    'mac/Agent.pkg',
  );
  expect(add.status).toBe(0);
  await cli('content', 'add', files.path('guide.pdf'), ...D(), '--path', 'books/guide.pdf');
  const store = openSqliteStore({ dataDir: data });
  await store.configurations.create(configInput({ id: configId, displayName: 'CLI' }));
  await store.close();
}, 120_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  files?.cleanup();
});

describe('portcullis content link…', () => {
  let id = '';
  let url = '';

  it('creates a link and prints the URL with the token the store secret derives', async () => {
    const r = await cli(
      'content',
      'link',
      'mac/Agent.pkg',
      '--config',
      configId,
      '--label',
      'DDM: Sales',
      ...PUB,
      ...D(),
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const m =
      /^created manifest link ([0-9a-f-]{36}) for mac\/Agent\.pkg \(expires (\S+)\)\n(\S+)\n/.exec(
        r.stdout,
      );
    expect(m).not.toBeNull();
    id = m![1]!;
    url = m![3]!;
    expect(Date.parse(m![2]!) - Date.now()).toBeGreaterThan(364 * 86_400_000);
    expect(url).toMatch(
      /^https:\/\/dl\.example\.test\/_portcullis\/manifest\/mac\/Agent\.pkg\.plist\?token=pml_[\w-]{64}$/,
    );
    const token = new URL(url).searchParams.get('token')!;
    const secret = await loadOrCreateSecret(data, {});
    expect(linkTokenKey(secret).idOf(token)).toBe(id);
    const row = (await changes()).find((c) => c.action === 'manifest-link.create');
    expect(row).toMatchObject({
      actor: 'cli',
      targetId: id,
      details: { path: 'mac/Agent.pkg', label: 'DDM: Sales' },
    });
    expect(JSON.stringify(await changes())).not.toContain(token);
  });

  it('lists links without tokens, as a table and as JSON', async () => {
    const table = await cli('content', 'links', 'mac/Agent.pkg', ...D());
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(
      new RegExp(
        `^${id}  active   expires \\d{4}-\\d\\d-\\d\\d  last used never  mac/Agent.pkg  "DDM: Sales"$`,
        'm',
      ),
    );
    expect(table.stdout).not.toContain('pml_');
    const json = await cli('content', 'links', '--json', ...D());
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ id, status: 'active', label: 'DDM: Sales' }),
    ]);
    expect(json.stdout).not.toContain('pml_');
    expect((await cli('content', 'links', 'nothing.pkg', ...D())).stdout).toBe(
      'no manifest links\n',
    );
  });

  it('takes the display name the console shows for --config, and stores the id', async () => {
    const r = await cli(
      'content',
      'link',
      'mac/Agent.pkg',
      '--config',
      'CLI',
      '--label',
      'by name',
      '--json',
      ...PUB,
      ...D(),
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const made = JSON.parse(r.stdout) as { id: string; configurationId: string };
    expect(made.configurationId).toBe(configId);
    const listed = JSON.parse((await cli('content', 'links', '--json', ...D())).stdout) as Array<{
      id: string;
      configurationId: string;
    }>;
    expect(listed.find((l) => l.id === made.id)?.configurationId).toBe(configId);
  });

  it('shows the same URL again and records it', async () => {
    const r = await cli('content', 'link-url', id, ...PUB, ...D());
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${url}\n`);
    expect((await changes()).filter((c) => c.action === 'manifest-link.reveal')).toHaveLength(1);
  });

  const bad: Array<[string, string[], RegExp]> = [
    ['731 days', ['--days', '731'], /^portcullis: --days: /],
    ['1.5 days', ['--days', '1.5'], /^portcullis: --days: /],
    ['days that are not a number', ['--days', 'ten'], /^portcullis: --days: /],
    ['a control character in the label', ['--label', 'a\u0007b'], /^portcullis: --label: /],
    ['a 101-character label', ['--label', 'x'.repeat(101)], /^portcullis: --label: /],
    [
      'an ftp public URL',
      ['--public-url', 'ftp://dl.example.test'],
      /^portcullis: invalid setting "publicUrl" \(--public-url\): expected an http:\/\/ or https:\/\/ URL \(CONFIG_INVALID\)$/m,
    ],
    [
      'a public URL with a query',
      ['--public-url', 'https://dl.example.test/base?q=1'],
      /"publicUrl" \(--public-url\): must not have a query \(\?…\) \(CONFIG_INVALID\)$/m,
    ],
    [
      'a public URL with a fragment',
      ['--public-url', 'https://dl.example.test/base#frag'],
      /"publicUrl" \(--public-url\): must not have a fragment \(#…\) \(CONFIG_INVALID\)$/m,
    ],
    [
      'an unknown configuration',
      ['--config', '00000000-0000-0000-0000-000000000000'],
      // What exists, so the admin's next attempt is right.
      new RegExp(
        `^portcullis: --config: no JWT configuration has the id or display name "00000000-0000-0000-0000-000000000000"; the store has "CLI" \\(${configId}\\)$`,
        'm',
      ),
    ],
  ];
  for (const [name, over, message] of bad) {
    it(`refuses ${name} with exit code 2 and one line`, async () => {
      const args: Record<string, string> = {
        '--config': configId,
        '--label': 'ok',
        '--public-url': 'https://dl.example.test/',
      };
      for (let i = 0; i < over.length; i += 2) args[over[i]!] = over[i + 1]!;
      const r = await cli(
        'content',
        'link',
        'mac/Agent.pkg',
        ...Object.entries(args).flat(),
        ...D(),
      );
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\bat \S+\.js/);
    });
  }

  it('refuses a public URL with a query or fragment in content declaration and serve too', async () => {
    const declaration = await cli(
      'content',
      'declaration',
      'mac/Agent.pkg',
      '--type',
      'package',
      '--link',
      id,
      '--public-url',
      'https://dl.example.test/base?q=1#frag',
      ...D(),
    );
    expect(declaration.status).toBe(2);
    expect(declaration.stdout).toBe('');
    expect(declaration.stderr).toMatch(/"publicUrl" \(--public-url\): .*\(CONFIG_INVALID\)$/m);
    const serve = await cli(
      'serve',
      ...D(),
      '--port',
      '0',
      '--admin-port',
      '0',
      '--public-url',
      'https://dl.example.test/#frag',
    );
    expect(serve.status).toBe(2);
    expect(serve.stderr).toMatch(/"publicUrl" \(from --public-url\): must not have a fragment/);
  });

  it('refuses a missing item and a book with their catalog codes', async () => {
    const missing = await cli(
      'content',
      'link',
      'mac/Nope.pkg',
      '--config',
      configId,
      '--label',
      'x',
      ...PUB,
      ...D(),
    );
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/\(CONTENT_NOT_FOUND\)/);
    const book = await cli(
      'content',
      'link',
      'books/guide.pdf',
      '--config',
      configId,
      '--label',
      'x',
      ...PUB,
      ...D(),
    );
    expect(book.stderr).toMatch(/\(COMMAND_NOT_APPLICABLE\)/);
  });

  it('revokes once, and a revoked link shows no URL', async () => {
    const r = await cli('content', 'revoke-link', id, ...D());
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`revoked manifest link ${id} (mac/Agent.pkg)\n`);
    await cli('content', 'revoke-link', id, ...D());
    expect((await changes()).filter((c) => c.action === 'manifest-link.revoke')).toHaveLength(1);
    expect((await cli('content', 'links', ...D())).stdout).toContain(`${id}  revoked`);
    const again = await cli('content', 'link-url', id, ...PUB, ...D());
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/no active manifest link/);
    const unknown = await cli(
      'content',
      'revoke-link',
      '00000000-0000-0000-0000-000000000000',
      ...D(),
    );
    expect(unknown.status).toBe(2);
  });

  it('content remove revokes the links of the item', async () => {
    const r = await cli(
      'content',
      'link',
      'mac/Agent.pkg',
      '--config',
      configId,
      '--label',
      'second',
      ...PUB,
      ...D(),
    );
    const second = /link ([0-9a-f-]{36})/.exec(r.stdout)![1]!;
    expect((await cli('content', 'remove', 'mac/Agent.pkg', ...D())).status).toBe(0);
    expect((await cli('content', 'links', ...D())).stdout).toContain(`${second}  revoked`);
  });
});
