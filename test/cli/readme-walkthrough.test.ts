/**
 * The README's 5-minute walkthrough, run as written: its shell block is taken from README.md and
 * run by bash in a Git working tree that has this repository's .gitignore, with `portcullis`
 * being the built CLI and HOME a temporary directory. It must work (a valid URL, then
 * TOKEN_EXPIRED for the same URL 20 minutes later) and leave no untracked file in the tree: the
 * private key goes to ~/portcullis-keys, and a key written in the clone by mistake is ignored.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, ROOT } from '../helpers/dist.js';

let home: string;
let clone: string;

/** The first ```sh block after the walkthrough heading. */
function walkthroughBlock(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A 5-minute walkthrough'));
  const match = /```sh\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('README has no walkthrough shell block');
  return match[1]!;
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: clone, encoding: 'utf8' });
}

function bash(script: string) {
  const prelude = `set -eu\nportcullis() { "${process.execPath}" "${CLI}" "$@"; }\n`;
  return spawnSync('bash', ['-c', prelude + script], {
    cwd: clone,
    env: { PATH: process.env.PATH ?? '', HOME: home },
    encoding: 'utf8',
  });
}

beforeAll(() => {
  ensureBuilt();
  home = mkdtempSync(join(tmpdir(), 'portcullis-readme-home-'));
  clone = mkdtempSync(join(tmpdir(), 'portcullis-readme-clone-'));
  git('init', '-q');
  copyFileSync(join(ROOT, '.gitignore'), join(clone, '.gitignore'));
  copyFileSync(join(ROOT, 'README.md'), join(clone, 'README.md'));
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'clone');
}, 60_000);
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(clone, { recursive: true, force: true });
});

describe('README walkthrough', () => {
  it('runs as written: a valid URL, then TOKEN_EXPIRED for it 20 minutes later', () => {
    const r = bash(walkthroughBlock());
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^https:\/\/dp\.example\.com\/apps\/Example\.ipa\?token=eyJ/m);
    expect(r.stdout).toContain('✓ valid token');
    expect(r.stdout).toContain('"code":"TOKEN_EXPIRED"');
    expect(r.stdout).toContain('Verdict: INVALID');
    const key = join(home, 'portcullis-keys', 'jamf-key.pem');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(existsSync(join(home, 'portcullis-keys', 'jamf-key.pub.pem'))).toBe(true);
  }, 60_000);

  it('leaves no untracked file in the clone, even when a key is written there by mistake', () => {
    expect(git('status', '--porcelain')).toBe('');
    const r = bash(
      'portcullis keygen >/dev/null && portcullis keygen --out jamf-key.pem >/dev/null',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(clone, 'portcullis-key.pem'))).toBe(true);
    expect(git('status', '--porcelain')).toBe('');
  }, 60_000);
});
