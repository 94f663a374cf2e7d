/**
 * Tests that run compiled code (the CLI binary, child-process writers) need dist/ to match
 * src/. This rebuilds once when a store or CLI file it depends on is missing or older than its
 * source; tsc still emits while other areas have type errors in progress, so freshness is
 * checked rather than tsc's exit status.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');

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

/** Builds dist/ when the store or admin CLI sources are newer than their output. */
export function ensureStoreBuilt(): void {
  if (!stale()) return;
  spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'ignore',
    },
  );
  if (stale()) throw new Error('dist/ is stale and `npm run build` did not refresh it');
}
