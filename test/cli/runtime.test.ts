import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { unsupportedNode } from '../../src/cli/runtime.js';

describe('the Node.js release check', () => {
  it('accepts the lines package.json names and nothing older', () => {
    for (const v of ['22.16.0', '22.23.3', '24.0.0', '24.21.0', '26.1.0']) {
      expect(unsupportedNode(v), v).toBeNull();
    }
    for (const v of ['20.20.2', '22.15.1', '23.11.0', '18.19.0']) {
      expect(unsupportedNode(v), v).toBe(
        `needs Node.js 22.16 or newer on the 22 line, or 24 or newer; this is Node.js v${v}`,
      );
    }
  });

  // The machines ship Node 20 as /usr/bin/node: run the built CLI with it, as a user whose
  // PATH finds that one would, and expect the one line instead of a store error.
  const old = spawnSync('/usr/bin/node', ['-p', 'process.versions.node'], { encoding: 'utf8' });
  const oldVersion = old.status === 0 ? old.stdout.trim() : '';
  it.skipIf(oldVersion === '' || unsupportedNode(oldVersion) === null)(
    'an older node says which releases it needs and exits 1 before any command runs',
    () => {
      const run = spawnSync('/usr/bin/node', ['dist/cli/main.js', 'content', 'list'], {
        encoding: 'utf8',
        cwd: process.cwd(),
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toBe(
        `portcullis: needs Node.js 22.16 or newer on the 22 line, or 24 or newer; this is Node.js v${oldVersion}\n`,
      );
    },
  );
});
