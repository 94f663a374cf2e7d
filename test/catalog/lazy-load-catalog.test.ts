/**
 * The catalog on disk pays nothing for object storage: `portcullis content add` with a root
 * folder loads no AWS SDK module; naming a bucket does (the control). Module loading is observed
 * with node:module's resolve hook in a child process running the built CLI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../helpers/dist.js';

let dir: string;

const HOOK = `
import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({
  resolve(specifier, context, next) {
    if (specifier.startsWith('@aws-sdk/') || specifier.startsWith('@smithy/')) seen.add(specifier);
    return next(specifier, context);
  },
});
process.on('exit', () => process.stderr.write('SDK:' + JSON.stringify([...seen]) + '\\n'));
`;

/** Runs the CLI with the hook; the AWS SDK modules it resolved, and its exit status. */
function cli(args: string[]): { status: number; sdk: string[] | undefined } {
  const r = spawnSync(process.execPath, ['--import', join(dir, 'hook.mjs'), CLI, ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', HOME: dir, AWS_EC2_METADATA_DISABLED: 'true' },
  });
  const line = r.stderr.split('\n').find((l) => l.startsWith('SDK:'));
  // undefined when the hook did not report: the test must not pass on a silent child.
  return { status: r.status ?? 1, sdk: line ? (JSON.parse(line.slice(4)) as string[]) : undefined };
}

beforeAll(async () => {
  ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'portcullis-lazy-catalog-'));
  await writeFile(join(dir, 'hook.mjs'), HOOK);
  await writeFile(join(dir, 'book.pdf'), '%PDF-1.4\n1 0 obj << /Title (Guide) >> endobj\n%%EOF\n');
}, 120_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the catalog on disk loads no object-storage code', () => {
  it('`content add` into a root folder loads no AWS SDK module', () => {
    const disk = cli(['content', 'add', 'book.pdf', '--data', 'd']);
    expect(disk.status).toBe(0);
    expect(disk.sdk).toEqual([]);
  });

  it('naming a bucket does (the control; no credentials, so it stops at the check)', () => {
    const bucket = cli(['content', 'list', '--data', 'd', '--storage', 's3://control-bucket']);
    expect(bucket.status).toBe(2);
    expect(bucket.sdk).toContain('@aws-sdk/client-s3');
  });
});
