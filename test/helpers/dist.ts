/**
 * Tests that run compiled code (the CLI binary, child-process writers) need dist/ to match
 * src/. `npm test` builds first, so in CI this is a check; when a single test file is run by
 * hand after editing src/, it rebuilds once. tsc still emits while a file has type errors, so
 * freshness is checked rather than tsc's exit status. Test files run in parallel, so a lock
 * directory keeps two of them from rebuilding at once (a child could import a half-written file).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');
/** The built CLI entry point. */
export const CLI = join(ROOT, 'dist/cli/main.js');
const LOCK = join(ROOT, '.tmp', 'build.lock');

/** Every TypeScript source tsc compiles (the console under src/admin/web is built by Vite). */
function sources(): string[] {
  return readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith(join('admin', 'web')),
  );
}

function stale(): boolean {
  return sources().some((f) => {
    const out = join(ROOT, 'dist', f.replace(/\.ts$/, '.js'));
    return !existsSync(out) || statSync(out).mtimeMs < statSync(join(ROOT, 'src', f)).mtimeMs;
  });
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Takes the build lock (mkdir is atomic); a lock older than 5 minutes is considered abandoned. */
function lock(): void {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch {
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 300_000) rmSync(LOCK, { recursive: true, force: true });
      else sleep(200);
    }
  }
}

/** Builds dist/ when any source is newer than its output. */
export function ensureBuilt(): void {
  if (!stale()) return;
  lock();
  try {
    if (!stale()) return; // another test file built it while we waited
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
  if (stale()) throw new Error('dist/ is stale and `npm run build` did not refresh it');
}
