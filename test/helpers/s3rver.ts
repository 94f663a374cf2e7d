// A real S3-protocol server for tests: s3rver on a free loopback port, in its own process
// (test/helpers/s3rver-child.cjs says why), storing into a throw-away directory, with one
// bucket. It reports every request it receives, so a test can prove that a refused download
// cost the store nothing.
//
// What s3rver does NOT prove: it never checks a SigV4 signature (a tampered or unsigned URL gets
// 200), so a test of a presigned URL must recompute the signature itself (test/storage/sigv4.ts
// does, with the independent `aws4` package); nor does it honour If-Match on GET (a test can
// only check that the header was sent). It does check that the access key id exists (S3RVER)
// and that a presigned URL has not expired.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The only credentials s3rver knows (its built-in account). */
export const S3RVER_CREDENTIALS = {
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
} as const;

/** One request s3rver received. */
export interface S3Request {
  method: string;
  url: string;
  /** The If-Match header, when one was sent. */
  ifMatch?: string;
  /** Whether an Authorization header was sent (a presigned URL has none). */
  authorization: boolean;
}

/** A running s3rver. */
export interface TestS3 {
  endpoint: string;
  bucket: string;
  region: string;
  /** Every request received since start (or the last `resetRequests`), once all have arrived. */
  requests(): Promise<S3Request[]>;
  resetRequests(): Promise<void>;
  /** Environment for a child `portcullis serve` that should use this store. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

type ChildMessage =
  | ({ type: 'request' } & S3Request)
  | { type: 'ready'; port: number }
  | { type: 'flushed'; id: number };

/**
 * Starts s3rver on 127.0.0.1 (port 0: the kernel picks a free one) with `bucket` created.
 * `count: false` skips request reporting (benchmarks).
 * @example const s3 = await startS3rver(); … await s3.stop();
 */
export async function startS3rver(
  bucket = 'content',
  options: { count?: boolean } = {},
): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'portcullis-s3rver-'));
  const child: ChildProcess = fork(
    new URL('./s3rver-child.cjs', import.meta.url).pathname,
    [directory, bucket],
    {
      execArgv: ['--openssl-legacy-provider'],
      env: { ...process.env, S3RVER_COUNT: options.count === false ? '0' : '1' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  const log: S3Request[] = [];
  const flushes = new Map<number, () => void>();
  let nextFlush = 0;
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before it was ready`)));
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') resolve(m.port);
      else if (m.type === 'request') {
        const { type: _, ...request } = m;
        log.push(request);
      } else if (m.type === 'flushed') {
        flushes.get(m.id)?.();
        flushes.delete(m.id);
      }
    });
  });
  child.removeAllListeners('exit');
  // IPC keeps order: once the flush comes back, every request the child saw before it is here.
  const flush = () =>
    new Promise<void>((resolve) => {
      const id = nextFlush++;
      flushes.set(id, resolve);
      child.send({ type: 'flush', id });
    });
  const region = 'us-east-1';
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    region,
    async requests() {
      await flush();
      return [...log];
    },
    async resetRequests() {
      await flush();
      log.length = 0;
    },
    env: {
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_REGION: region,
      // Keep a developer's own profile and instance metadata out of the child's chain.
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(directory, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(directory, 'no-credentials'),
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.send({ type: 'stop' });
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}
