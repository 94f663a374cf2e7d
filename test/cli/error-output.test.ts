/**
 * What the CLI prints when a command fails: registered coded errors verbatim with their code;
 * Node system errors (whose own messages carry resolved absolute paths) as one generic line that
 * names the path only as the user typed it. Runs the built binary, as users do.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../helpers/dist.js';

let dir: string;

function run(args: string[]): { code: number; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status ?? -1, stderr: r.stderr, stdout: r.stdout };
}

/** No stack trace and no absolute path under the test directory unless `typed` says so. */
function expectClean(text: string, typed: string[] = []): void {
  expect(text).not.toMatch(/\n\s+at /);
  let rest = text;
  for (const t of typed) rest = rest.replaceAll(t, '');
  expect(rest).not.toContain(dir);
}

beforeAll(() => {
  ensureBuilt();
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'portcullis-cli-errors-')));
  execFileSync('openssl', ['genrsa', '-out', 'key.pem', '2048'], { cwd: dir, stdio: 'ignore' });
  writeFileSync(join(dir, 'not-a-dir'), 'a file where a directory is expected\n');
  writeFileSync(join(dir, 'pw.txt'), 'correct horse battery staple\n');
  const made = run([
    'admin',
    'create',
    '--data',
    'data',
    '--username',
    'ops',
    '--password-file',
    'pw.txt',
  ]);
  expect(made.stderr).toBe('');
}, 60_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('CLI error output', () => {
  it('prints a registered key error with its code and an absolute --key exactly as typed', () => {
    const typed = join(dir, 'keys', 'missing.pem');
    for (const command of [
      ['verify', 'a.b.c', '--key', typed],
      ['inspect', 'a.b.c', '--key', typed],
      ['sign', '--key', typed],
      ['key', 'show', typed],
      ['cert', typed, '--out', 'c.pem'],
      ['probe', 'http://127.0.0.1:9/a.ipa', '--key', typed],
    ]) {
      const r = run(command);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `portcullis: ${typed}: The key file does not exist. Check the path; relative paths are resolved from the current directory. (KEY_FILE_NOT_FOUND)\n`,
      );
    }
  });

  it('serve names a relative --key as typed, never the absolute path it resolved', () => {
    const r = run([
      'serve',
      '--root',
      '.',
      '--key',
      join('keys', 'missing.pem'),
      '--port',
      '0',
      '--no-admin',
      '--workers',
      '1',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `portcullis: ${join('keys', 'missing.pem')}: The key file does not exist.`,
    );
    expectClean(r.stderr);
  });

  it('turns a system error (ENOTDIR below --root) into a line naming --root as typed', () => {
    const r = run(['content', 'add', 'key.pem', '--data', 'data', '--root', 'not-a-dir']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'portcullis: cannot use "not-a-dir": a part of the path is not a directory\n',
    );
    expectClean(r.stderr);
  });

  it('names an absolute --root only as the user typed it, never the path Node resolved below it', () => {
    const typed = join(dir, 'not-a-dir');
    const r = run(['content', 'add', 'key.pem', '--data', 'data', `--root=${typed}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `portcullis: cannot use "${typed}": a part of the path is not a directory\n`,
    );
    expect(r.stderr).not.toContain('.portcullis-tmp');
    expect(r.stderr).not.toContain('ENOTDIR');
  });

  it('serve: a data directory that cannot be made is named as typed (no Node message, no absolute path)', () => {
    const r = run(['serve', '--data', 'not-a-dir/data', '--port', '0', '--admin-port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'portcullis: cannot use "not-a-dir/data": a part of the path is not a directory\n',
    );
    expectClean(r.stderr);
  });
});
