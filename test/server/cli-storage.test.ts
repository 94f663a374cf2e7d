/**
 * `portcullis serve --storage s3://…` through the real binary: credentials from the environment
 * (the AWS SDK chain), a download streamed and one redirected, and every start-up failure ending
 * the process promptly with one coded line — never a hang, never a credential in the output.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openS3Storage } from '../../src/storage/open.js';
import { CLI, ensureBuilt } from '../helpers/dist.js';
import { S3RVER_CREDENTIALS, startS3rver, type TestS3 } from '../helpers/s3rver.js';
import { eventually } from '../helpers/wait.js';
import { makeKey, removeDir, sign, type TestKey, tempDir } from './serve-helpers.js';

let dir: string;
let key: TestKey;
let keyFile: string;
let s3: TestS3;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ensureBuilt();
  dir = await tempDir('portcullis-cli-storage-');
  key = makeKey();
  keyFile = join(dir, 'jamf.pub.pem');
  await writeFile(keyFile, key.publicPem);
  s3 = await startS3rver();
  const storage = await openS3Storage(
    { kind: 's3', bucket: s3.bucket, prefix: '' },
    {
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: async () => ({ ...S3RVER_CREDENTIALS }),
    },
  );
  await storage.put(
    'App.ipa',
    (async function* () {
      yield new TextEncoder().encode('app bytes');
    })(),
  );
}, 240_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await s3?.stop();
  await removeDir(dir);
});

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; ms: number }>;
}

function serve(args: string[], env: Record<string, string | undefined>): Run {
  const started = Date.now();
  // A clean environment: nothing of the developer's AWS set-up leaks into the chain.
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('AWS_') && !k.startsWith('PORTCULLIS_'),
    ),
  );
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--key',
      keyFile,
      '--port',
      '0',
      '--no-admin',
      ...(args.includes('--workers') ? [] : ['--workers', '1']),
      ...args,
    ],
    {
      cwd: dir,
      env: { ...clean, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let text = '';
  child.stdout!.on('data', (c) => {
    text += c;
  });
  child.stderr!.on('data', (c) => {
    text += c;
  });
  const hang = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exited = new Promise<{ code: number | null; ms: number }>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(hang);
      resolve({ code, ms: Date.now() - started });
    }),
  );
  return { child, output: () => text, exited };
}

const cliLines = (text: string) => text.split('\n').filter((l) => l.startsWith('portcullis:'));

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('serve --storage through the binary', () => {
  it.each(['stream', 'redirect'])(
    '--delivery %s serves the bucket with credentials from the environment',
    async (delivery) => {
      const run = serve(
        [
          '--storage',
          `s3://${s3.bucket}`,
          '--s3-endpoint',
          s3.endpoint,
          '--s3-path-style',
          '--delivery',
          delivery,
        ],
        s3.env,
      );
      await eventually(() => /content listener ready/.test(run.output()), 20_000, 'listener ready');
      const url = /"url":"(http:\/\/[^"]+)"/.exec(run.output())![1]!;
      const res = await fetch(`${url}/App.ipa?token=${sign(key)}`, { redirect: 'manual' });
      if (delivery === 'stream') {
        expect(res.status).toBe(200);
        expect(await res.text()).toBe('app bytes');
      } else {
        expect(res.status).toBe(302);
        expect(await (await fetch(res.headers.get('location')!)).text()).toBe('app bytes');
      }
      expect(run.output()).not.toContain(
        S3RVER_CREDENTIALS.secretAccessKey.toLowerCase().repeat(2),
      );
      run.child.kill('SIGTERM');
      expect((await run.exited).code).toBe(0);
    },
    40_000,
  );

  it.each([
    ['no credentials anywhere', {}, 'STORAGE_CREDENTIALS_MISSING'],
    [
      'credentials the bucket refuses',
      { AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG', AWS_SECRET_ACCESS_KEY: 'wrong-secret-value' },
      'STORAGE_ACCESS_DENIED',
    ],
  ])(
    '%s: exits promptly with one coded line and no secret',
    async (_n, creds, code) => {
      const env = {
        ...s3.env,
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        ...creds,
      } as Record<string, string | undefined>;
      const run = serve(
        ['--storage', `s3://${s3.bucket}`, '--s3-endpoint', s3.endpoint, '--s3-path-style'],
        env,
      );
      const end = await run.exited;
      expect(end.code).not.toBe(0);
      expect(end.ms).toBeLessThan(20_000);
      const lines = cliLines(run.output());
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`(${code})`);
      expect(run.output()).not.toContain('wrong-secret-value');
    },
    40_000,
  );

  it('in cluster mode (--workers 2) every worker serves the bucket, and a bad store fails the start once', async () => {
    const run = serve(
      [
        '--storage',
        `s3://${s3.bucket}`,
        '--s3-endpoint',
        s3.endpoint,
        '--s3-path-style',
        '--workers',
        '2',
      ],
      s3.env,
    );
    await eventually(
      () => (run.output().match(/content listener ready/g) ?? []).length >= 2,
      30_000,
      'two workers ready',
    );
    const url = /"url":"(http:\/\/[^"]+)"/.exec(run.output())![1]!;
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${url}/App.ipa?token=${sign(key)}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('app bytes');
    }
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
    const bad = serve(
      [
        '--storage',
        `s3://${s3.bucket}`,
        '--s3-endpoint',
        `http://127.0.0.1:${await closedPort()}`,
        '--s3-path-style',
        '--workers',
        '2',
      ],
      s3.env,
    );
    const end = await bad.exited;
    expect(end.code).not.toBe(0);
    expect(end.ms).toBeLessThan(30_000);
    expect(cliLines(bad.output())).toHaveLength(1);
    expect(cliLines(bad.output())[0]).toContain('(STORAGE_BUCKET_UNREACHABLE)');
  }, 60_000);

  it('a store that cannot be reached: exits promptly naming --s3-endpoint (STORAGE_BUCKET_UNREACHABLE)', async () => {
    const run = serve(
      [
        '--storage',
        `s3://${s3.bucket}`,
        '--s3-endpoint',
        `http://127.0.0.1:${await closedPort()}`,
        '--s3-path-style',
      ],
      s3.env,
    );
    const end = await run.exited;
    expect(end.code).not.toBe(0);
    expect(end.ms).toBeLessThan(20_000);
    const lines = cliLines(run.output());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/--s3-endpoint.*\(STORAGE_BUCKET_UNREACHABLE\)$/);
  }, 40_000);

  it.each([
    [['--storage', 's3://Bad_Bucket'], /storage/],
    [['--storage', 's3://content/../x'], /storage/],
    [['--delivery', 'redirect', '--root', '.'], /needs storage/],
    [['--storage', 's3://content', '--delivery', 'cloudfront'], /cloudfront/],
    [['--storage', 's3://content', '--delivery', 'teleport'], /delivery/],
    [['--storage', 's3://content', '--delivery-min-rate', '10'], /deliveryMinRate/],
  ])(
    'refuses %j before contacting anything (CONFIG_INVALID)',
    async (args, names) => {
      const run = serve(args, s3.env);
      const end = await run.exited;
      expect(end.code).not.toBe(0);
      expect(run.output()).toMatch(names);
    },
    40_000,
  );

  it('refuses a FIFO as --cloudfront-private-key-file at once instead of hanging (STORAGE_DELIVERY_INVALID)', async () => {
    const fifo = join(dir, 'cloudfront-key.fifo');
    execFileSync('mkfifo', [fifo]);
    const run = serve(
      [
        '--storage',
        `s3://${s3.bucket}`,
        '--s3-endpoint',
        s3.endpoint,
        '--s3-path-style',
        '--delivery',
        'cloudfront',
        '--cloudfront-domain',
        'd111111abcdef8.cloudfront.net',
        '--cloudfront-key-pair-id',
        'K2JCJMDEHXQW5F',
        '--cloudfront-private-key-file',
        fifo,
      ],
      s3.env,
    );
    const end = await run.exited;
    expect(end.code).toBe(2);
    expect(end.ms).toBeLessThan(20_000);
    expect(cliLines(run.output())).toEqual([
      expect.stringMatching(
        /^portcullis: --cloudfront-private-key-file .* \(STORAGE_DELIVERY_INVALID\)$/,
      ),
    ]);
  }, 40_000);

  it('stops on the first SIGTERM while the start waits on a store that never answers', async () => {
    // Accepts the connection and never answers: the start-up check is stuck in an await.
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as AddressInfo).port;
      const run = serve(
        [
          '--storage',
          `s3://${s3.bucket}`,
          '--s3-endpoint',
          `http://127.0.0.1:${port}`,
          '--s3-path-style',
        ],
        s3.env,
      );
      await new Promise((r) => setTimeout(r, 1500));
      const sent = Date.now();
      run.child.kill('SIGTERM');
      await run.exited;
      expect(Date.now() - sent).toBeLessThan(2_000);
    } finally {
      silent.close();
    }
  }, 40_000);

  it('takes no credential from the command line', async () => {
    const run = serve(['--storage', `s3://${s3.bucket}`, '--aws-secret-access-key', 'x'], s3.env);
    const end = await run.exited;
    expect(end.code).not.toBe(0);
    expect(run.output()).toMatch(/unknown option '--aws-secret-access-key'/);
  }, 40_000);
});
