/**
 * The key CLI tests run the real binary (dist/cli/main.js). This builds once when any compiled file
 * they depend on is missing or older than its source; tsc still emits while other areas have type
 * errors in progress, so the freshness of our files is checked rather than tsc's exit status.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');
/** The built CLI entry point. */
export const CLI = join(ROOT, 'dist/cli/main.js');

function pairs(): Array<[src: string, out: string]> {
  const list: Array<[string, string]> = [];
  for (const dir of ['keys', 'errors']) {
    for (const f of readdirSync(join(ROOT, 'src', dir))) {
      if (f.endsWith('.ts'))
        list.push([join(ROOT, 'src', dir, f), join(ROOT, 'dist', dir, f.replace(/\.ts$/, '.js'))]);
    }
  }
  for (const f of ['main', 'run', 'keygen', 'key', 'key-format', 'cert']) {
    list.push([join(ROOT, 'src/cli', `${f}.ts`), join(ROOT, 'dist/cli', `${f}.js`)]);
  }
  return list;
}

function stale(): string[] {
  return pairs()
    .filter(([src, out]) => !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs)
    .map(([src]) => src);
}

/** Builds when any compiled file the key commands need is missing or older than its source. */
export function ensureBuilt(): void {
  if (stale().length === 0) return;
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    // Type errors elsewhere in the tree do not stop emit; freshness is checked below.
  }
  const left = stale();
  if (left.length > 0) throw new Error(`dist is stale after building: ${left.join(', ')}`);
}

/** Result of one CLI run. */
export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `portcullis ARGS` in `cwd` with stdin closed (so never a TTY: no passphrase prompt). */
export function portcullis(cwd: string, ...args: string[]): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    input: '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
