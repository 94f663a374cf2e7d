/**
 * The serve CLI tests run the real binary. This rebuilds dist when any serve, http or CLI source is
 * newer than its output (tsc still emits while other areas have type errors in progress, so freshness,
 * not tsc's exit status, is what is checked).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');
/** The built CLI entry point. */
export const CLI = join(ROOT, 'dist/cli/main.js');

function stale(): boolean {
  for (const dir of ['server', 'http', 'cli', 'token', 'keys']) {
    for (const f of readdirSync(join(ROOT, 'src', dir))) {
      if (!f.endsWith('.ts')) continue;
      const out = join(ROOT, 'dist', dir, f.replace(/\.ts$/, '.js'));
      if (!existsSync(out) || statSync(out).mtimeMs < statSync(join(ROOT, 'src', dir, f)).mtimeMs)
        return true;
    }
  }
  return false;
}

/** Builds dist if it is older than the sources the serve CLI uses. */
export function ensureServeBuilt(): void {
  if (!stale()) return;
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    // emitted anyway; type errors elsewhere are not this test's concern
  }
}
