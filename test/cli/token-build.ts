/**
 * CLI tests run the real binary (dist/cli/main.js). This makes sure dist is at least as new as the
 * token and CLI sources they exercise, building once (tsc still emits when other areas have type
 * errors in progress, so its exit status is not what we check — the freshness of our files is).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');
/** The built CLI entry point. */
export const CLI = join(ROOT, 'dist/cli/main.js');

function pairs(): Array<[src: string, out: string]> {
  const list: Array<[string, string]> = [];
  for (const dir of ['token', 'errors']) {
    for (const f of readdirSync(join(ROOT, 'src', dir))) {
      if (f.endsWith('.ts'))
        list.push([join(ROOT, 'src', dir, f), join(ROOT, 'dist', dir, f.replace(/\.ts$/, '.js'))]);
    }
  }
  for (const f of ['main', 'run', 'sign', 'sign-url', 'verify', 'inspect']) {
    list.push([join(ROOT, 'src/cli', `${f}.ts`), join(ROOT, 'dist/cli', `${f}.js`)]);
  }
  return list;
}

function stale(): string[] {
  return pairs()
    .filter(([src, out]) => !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs)
    .map(([src]) => src);
}

/** Builds when any of our compiled files is missing or older than its source. */
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
