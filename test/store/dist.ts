/**
 * Tests that run compiled code (the CLI binary, child-process writers) need dist/ to match
 * src/. This rebuilds once when a store or CLI file it depends on is missing or older than its
 * source; tsc still emits while other areas have type errors in progress, so freshness is
 * checked rather than tsc's exit status. Test files run in parallel, so a lock directory keeps
 * two of them from rebuilding at once (a child process could import a half-written file).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');
const LOCK = join(ROOT, '.tmp', 'store-build.lock');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, 'src', dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

function stale(): boolean {
  const files = [
    ...sources('store'),
    'cli/admin.ts',
    'cli/main.ts',
    'cli/run.ts',
    'errors/base.ts',
  ];
  return files.some((f) => {
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

/** Builds dist/ when the store or admin CLI sources are newer than their output. */
export function ensureStoreBuilt(): void {
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
