// Local disk stays the default and pays nothing for object storage: a disk start, and a download
// from it, load no AWS SDK module; a bucket start does (the control). Module loading is observed
// with node:module's resolve hook in a child process running the built code.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../helpers/dist.js';
import { startS3rver, type TestS3 } from '../helpers/s3rver.js';
import { makeKey, sign } from '../server/serve-helpers.js';

let dir: string;
let s3: TestS3;
const key = makeKey();

const SCRIPT = `
import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({
  resolve(specifier, context, next) {
    if (specifier.startsWith('@aws-sdk/') || specifier.startsWith('@smithy/')) seen.add(specifier.split('/').slice(0, 2).join('/'));
    return next(specifier, context);
  },
});
const [options, token] = [JSON.parse(process.argv[2]), process.argv[3]];
const { startServer } = await import(${JSON.stringify(join(ROOT, 'dist/app/serve.js'))});
const server = await startServer({ port: 0, admin: false, workers: 1, logLevel: 'silent', ...options });
const res = await fetch(server.url + '/a.pdf?token=' + token, { redirect: 'manual' });
await res.arrayBuffer();
await server.close();
process.stdout.write(JSON.stringify({ status: res.status, sdk: [...seen].sort() }));
`;

beforeAll(async () => {
  ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'portcullis-lazy-'));
  await writeFile(join(dir, 'a.pdf'), 'pdf bytes');
  await writeFile(join(dir, 'pub.pem'), key.publicPem);
  await writeFile(join(dir, 'probe.mjs'), SCRIPT);
  s3 = await startS3rver();
}, 240_000);
afterAll(async () => {
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

function run(options: Record<string, unknown>, env: Record<string, string> = {}) {
  const out = execFileSync(
    process.execPath,
    [
      join(dir, 'probe.mjs'),
      JSON.stringify({ keys: [join(dir, 'pub.pem')], ...options }),
      sign(key),
    ],
    { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 },
  );
  return JSON.parse(out) as { status: number; sdk: string[] };
}

describe('the object-storage code is loaded only when used', () => {
  it('a --root start and download load no AWS SDK module', () => {
    const result = run({ root: dir });
    expect(result.status).toBe(200);
    expect(result.sdk).toEqual([]);
  });

  it('a --storage s3:// start does (the hook sees them)', () => {
    const result = run(
      {
        storage: `s3://${s3.bucket}`,
        s3Endpoint: s3.endpoint,
        s3PathStyle: true,
        delivery: 'redirect',
      },
      s3.env,
    );
    expect(result.status).toBe(404);
    expect(result.sdk).toContain('@aws-sdk/client-s3');
    expect(result.sdk).toContain('@aws-sdk/s3-request-presigner');
  });
});
