/**
 * The key CLI tests run the real binary (dist/cli/main.js) through {@link portcullis}.
 */
import { spawnSync } from 'node:child_process';
import { CLI } from '../helpers/dist.js';

export { CLI, ensureBuilt } from '../helpers/dist.js';

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
