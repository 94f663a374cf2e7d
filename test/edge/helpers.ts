/**
 * Edge test fixtures: keys on disk, a real origin on 127.0.0.1, bundles built by the real
 * `edge build` code, and the Worker run in workerd through miniflare (no mocks).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { edgeConfigFromFlags } from '../../src/cli/edge.js';
import { buildEdgeBundle } from '../../src/edge/build.js';
import type {
  CloudFrontRequest,
  CloudFrontRequestEvent,
  CloudFrontResultResponse,
} from '../../src/edge/runtime/lambda-edge.js';
import { craftJson } from '../token/helpers.js';

/** A key pair with its public PEM written to a temporary file. */
export function keyFile(
  dir: string,
  name: string,
): { privateKey: KeyObject; publicKey: KeyObject; path: string } {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const path = join(dir, name);
  writeFileSync(path, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { ...pair, path };
}

/** A fresh temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'portcullis-edge-'));
}

/** Seconds now (the edge uses the real clock). */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A Jamf-shaped RS256 token valid for 15 minutes from now. */
export function jamfToken(
  privateKey: KeyObject,
  extra: Record<string, unknown> = {},
  header: Record<string, unknown> = { alg: 'RS256' },
): string {
  return craftJson(
    header,
    { sub: 'AppManifest', iss: 'JSS', exp: nowSeconds() + 900, ...extra },
    privateKey,
  );
}

/** The file content the origin serves for every path under /apps/. */
export const FILE = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz'.repeat(100));

/** What the origin saw. */
export interface OriginLog {
  url: string;
  headers: IncomingMessage['headers'];
}

/** A small origin on 127.0.0.1: /apps/* is FILE (with Range and ETag), anything else 404. */
export async function startOrigin(): Promise<{ url: string; log: OriginLog[]; server: Server }> {
  const log: OriginLog[] = [];
  const server = createServer((req, res) => {
    log.push({ url: req.url ?? '', headers: req.headers });
    if (!req.url?.startsWith('/apps/')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('origin 404');
      return;
    }
    const etag = '"v1"';
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    const base = {
      etag,
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
      'set-cookie': 'origin=1',
    };
    if (m) {
      const start = Number(m[1]);
      const end = Math.min(Number(m[2]), FILE.length - 1);
      if (start >= FILE.length) {
        res.writeHead(416, { 'content-range': `bytes */${FILE.length}` }).end();
        return;
      }
      res.writeHead(206, {
        ...base,
        'content-range': `bytes ${start}-${end}/${FILE.length}`,
        'content-length': end - start + 1,
      });
      res.end(req.method === 'HEAD' ? undefined : FILE.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { ...base, 'content-length': FILE.length });
    res.end(req.method === 'HEAD' ? undefined : FILE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, log, server };
}

/** Flags as the CLI would receive them. */
export interface BuildFlags {
  key?: string[];
  jwksUrl?: string;
  origin?: string;
  r2Bucket?: string;
  leeway?: string;
}

/** Builds a bundle with the CLI's own flag handling; returns its directory and code file. */
export async function buildBundle(
  target: 'cloudflare' | 'lambda-edge',
  flags: BuildFlags,
): Promise<{ dir: string; bundle: string; gzipBytes: number }> {
  const dir = tempDir();
  const { config } = await edgeConfigFromFlags({
    target,
    out: dir,
    iss: 'JSS',
    sub: 'AppManifest',
    leeway: flags.leeway ?? '60',
    ...flags,
  });
  const result = await buildEdgeBundle({ target, config, outDir: dir });
  return { dir, bundle: result.bundle, gzipBytes: result.gzipBytes };
}

/** Runs a Worker bundle in workerd. */
export async function startWorker(
  bundlePath: string,
  opts: { r2Buckets?: string[] } = {},
): Promise<Miniflare> {
  const mf = new Miniflare({
    modules: [{ type: 'ESModule', path: 'worker.js', contents: readFileSync(bundlePath, 'utf8') }],
    compatibilityDate: '2026-07-30',
    ...(opts.r2Buckets ? { r2Buckets: opts.r2Buckets } : {}),
  });
  await mf.ready;
  return mf;
}

/** A viewer-request event in the documented CloudFront shape. */
export function viewerRequest(
  uri: string,
  querystring: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): CloudFrontRequestEvent {
  const headers: CloudFrontRequestEvent['Records'][0]['cf']['request']['headers'] = {
    host: [{ key: 'Host', value: 'd111111abcdef8.cloudfront.net' }],
    'user-agent': [{ key: 'User-Agent', value: 'com.apple.appstored/1.0' }],
  };
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    headers[name.toLowerCase()] = [{ key: name, value }];
  }
  return {
    Records: [
      {
        cf: {
          config: {
            distributionDomainName: 'd111111abcdef8.cloudfront.net',
            distributionId: 'EDFDVBD6EXAMPLE',
            eventType: 'viewer-request',
            requestId: '4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==',
          },
          request: {
            clientIp: '203.0.113.178',
            headers,
            method: opts.method ?? 'GET',
            querystring,
            uri,
          },
        },
      },
    ],
  };
}

/** Loads a built Lambda@Edge bundle the way the Node.js runtime does (`index.handler`, CommonJS). */
export function loadLambda(
  bundlePath: string,
): (event: CloudFrontRequestEvent) => Promise<CloudFrontRequest | CloudFrontResultResponse> {
  const mod = createRequire(import.meta.url)(bundlePath) as { handler: unknown };
  if (typeof mod.handler !== 'function') throw new Error('bundle exports no handler');
  return mod.handler as never;
}
