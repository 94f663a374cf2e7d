/**
 * `portcullis content … --storage s3://BUCKET/PREFIX` through the built binary against a real
 * S3-protocol server (s3rver): add streams into the bucket, rescan lists it, remove deletes the
 * object, credentials come only from the environment (the SDK chain), and a missing credential
 * or a malformed location is one coded line with exit 2.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/storage/s3/client.js';
import { type Fixtures, makeFixtures } from '../catalog/fixtures.js';
import { CLI, ensureBuilt } from '../helpers/dist.js';
import { S3RVER_CREDENTIALS, startS3rver, type TestS3 } from '../helpers/s3rver.js';

let dir: string;
let files: Fixtures;
let s3: TestS3;

function cli(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      // No AWS_* of the developer's shell leaks in: only what the test gives.
      { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, ...env } },
      (err, stdout, stderr) => {
        done({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const bucketFlags = () => [
  '--data',
  'd',
  '--storage',
  `s3://${s3.bucket}/fleet`,
  '--s3-endpoint',
  s3.endpoint,
  '--s3-path-style',
];

beforeAll(async () => {
  ensureBuilt();
  files = makeFixtures({ basic: true });
  dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-s3-'));
  s3 = await startS3rver();
}, 120_000);
afterAll(async () => {
  await s3?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  files?.cleanup();
});

describe('portcullis content on a bucket', () => {
  it('adds into the bucket, lists, rescans what was copied in, and removes', async () => {
    const add = await cli(
      s3.env,
      'content',
      'add',
      files.path('component.pkg'),
      '--path',
      'pkgs/Agent.pkg',
      ...bucketFlags(),
    );
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    const bytes = readFileSync(files.path('component.pkg'));
    expect(add.stdout).toContain(`sha256 ${createHash('sha256').update(bytes).digest('hex')}`);
    // The object is in the bucket under the prefix; nothing was written to <data>/content.
    const puts = (await s3.requests()).filter((r) => r.method === 'PUT' || r.method === 'POST');
    expect(puts.some((r) => r.url.startsWith(`/${s3.bucket}/fleet/pkgs/Agent.pkg`))).toBe(true);

    // Copied in by other means (aws s3 cp): rescan finds it.
    const client = createS3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: async () => ({ ...S3RVER_CREDENTIALS }),
    });
    await client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: 'fleet/books/Guide.epub',
        Body: readFileSync(files.path('book.epub')),
      }),
    );
    const rescan = await cli(s3.env, 'content', 'rescan', '--json', ...bucketFlags());
    expect(rescan.status).toBe(0);
    expect(JSON.parse(rescan.stdout)).toMatchObject({ added: ['books/Guide.epub'], removed: [] });

    const list = await cli(s3.env, 'content', 'list', '--json', ...bucketFlags());
    const paths = (JSON.parse(list.stdout) as Array<{ path: string }>).map((r) => r.path);
    expect(paths).toEqual(['books/Guide.epub', 'pkgs/Agent.pkg']);

    const remove = await cli(s3.env, 'content', 'remove', 'pkgs/Agent.pkg', ...bucketFlags());
    expect(remove.status).toBe(0);
    await s3.resetRequests();
    const again = await cli(s3.env, 'content', 'rescan', '--json', ...bucketFlags());
    expect(JSON.parse(again.stdout)).toMatchObject({ added: [], removed: [] });
  });

  it('without credentials in the environment: one coded line, exit 2', async () => {
    const { AWS_ACCESS_KEY_ID: _a, AWS_SECRET_ACCESS_KEY: _s, ...noKeys } = s3.env;
    const r = await cli(noKeys, 'content', 'add', files.path('book.epub'), ...bucketFlags());
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('STORAGE_CREDENTIALS_MISSING');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^portcullis: no credentials/);
  });

  it('an unreachable bucket: one line with one "portcullis:" prefix, exit 2', async () => {
    const flags = bucketFlags();
    flags[flags.indexOf('--s3-endpoint') + 1] = 'http://127.0.0.1:1';
    const r = await cli(s3.env, 'content', 'list', ...flags);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^portcullis: s3:\/\/\S+ could not be reached .*\(STORAGE_BUCKET_UNREACHABLE\)\n$/,
    );
    expect(r.stderr).not.toContain('portcullis: portcullis:');
  });

  it('refuses a malformed location and --root together with --storage', async () => {
    const bad = await cli(s3.env, 'content', 'list', '--data', 'd', '--storage', 's3://A_B');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('STORAGE_LOCATION_INVALID');
    const both = await cli(s3.env, 'content', 'list', ...bucketFlags(), '--root', 'x');
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('either --root or --storage');
  });
});
