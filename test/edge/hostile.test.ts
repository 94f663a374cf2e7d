/**
 * The project's hostile-token table (test/token/hostile-cases.ts, the rows the verifier itself
 * is held to) through both built bundles: the Worker in workerd and the Lambda@Edge handler.
 * Each row must come back as the listener's 401 with exactly the row's code. The edge uses the
 * real clock, so the table is built around now, and rows that depend on it are rebuilt just
 * before they are sent. Rows whose token is not a string (null, 42) cannot be put in a URL.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudFrontRequestEvent } from '../../src/edge/runtime/lambda-edge.js';
import { tokenRefusal } from '../../src/server/respond.js';
import type { TokenErrorCode } from '../../src/token/errors.js';
import { rsaPair } from '../token/helpers.js';
import { type HostileKeys, hostileTokenTable } from '../token/hostile-cases.js';
import {
  buildBundle,
  loadLambda,
  startOrigin,
  startWorker,
  tempDir,
  viewerRequest,
} from './helpers.js';

const keys: HostileKeys = { trusted: rsaPair(), other: rsaPair() };
const table = () => hostileTokenTable(Date.now() / 1000, keys);
const rows = table().cases.map(([name, token, code], index) => ({ name, token, code, index }));
const CLOCK_CODES = new Set<TokenErrorCode>(['TOKEN_EXPIRED', 'TOKEN_NOT_YET_VALID']);
const sendable = rows.filter((r) => r.token === undefined || typeof r.token === 'string');

/** The row's query, the token rebuilt at the current instant when its outcome depends on it. */
function queryOf(row: (typeof rows)[number]): string {
  const token = CLOCK_CODES.has(row.code) ? table().cases[row.index]![1] : row.token;
  return token === undefined ? '' : `token=${encodeURIComponent(token as string)}`;
}

let mf: Miniflare;
let lambda: ReturnType<typeof loadLambda>;
let origin: Awaited<ReturnType<typeof startOrigin>>;

beforeAll(async () => {
  const dir = tempDir();
  const keyPath = join(dir, 'trusted.pem');
  writeFileSync(keyPath, keys.trusted.publicKey.export({ type: 'spki', format: 'pem' }));
  origin = await startOrigin();
  const worker = await buildBundle('cloudflare', { key: [keyPath], origin: origin.url });
  mf = await startWorker(worker.bundle);
  lambda = loadLambda((await buildBundle('lambda-edge', { key: [keyPath] })).bundle);
});
afterAll(async () => {
  await mf?.dispose();
  origin?.server.close();
});

it('only the rows a URL cannot carry are left out', () => {
  const left = rows.filter((r) => !sendable.includes(r)).map((r) => r.name);
  expect(left).toEqual(['null', 'number instead of string']);
});

describe('hostile tokens through the Worker (workerd)', () => {
  it.each(sendable)('$name → $code', async (row) => {
    const res = await mf.dispatchFetch(`https://dp.example/apps/A.ipa?${queryOf(row)}`);
    expect(res.status).toBe(401);
    expect(await res.text()).toBe(tokenRefusal(row.code).body.toString());
  });

  it('the untampered tokens pass (so the table is not vacuous)', async () => {
    const { good, spaced } = table();
    for (const token of [good, spaced]) {
      const res = await mf.dispatchFetch(`https://dp.example/apps/A.ipa?token=${token}`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    expect(origin.log.every((entry) => !entry.url.includes('token'))).toBe(true);
  });
});

describe('hostile tokens through the Lambda@Edge handler', () => {
  const send = (query: string): Promise<unknown> =>
    lambda(viewerRequest('/apps/A.ipa', query) as CloudFrontRequestEvent);
  it.each(sendable)('$name → $code', async (row) => {
    const out = (await send(queryOf(row))) as { status?: string; body?: string };
    expect(out.status).toBe('401');
    expect(out.body).toBe(tokenRefusal(row.code).body.toString());
  });

  it('the untampered tokens pass', async () => {
    const { good, spaced } = table();
    for (const token of [good, spaced]) {
      const out = (await send(`token=${token}`)) as { status?: string; querystring?: string };
      expect(out.status).toBeUndefined();
      expect(out.querystring).toBe('');
    }
  });
});
