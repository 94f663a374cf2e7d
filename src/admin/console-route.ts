/**
 * Serves the built admin console (dist/admin-web) at /admin on the admin listener. The files are
 * small, so they are read into memory once at start; deciding what to send is a pure function
 * (`planConsoleResponse`) and the route is a thin adapter. Every answer carries the strict CSP,
 * `X-Frame-Options: DENY` and `nosniff`; hashed assets are cached for a year, index.html never.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/** The Content-Security-Policy of every /admin response: no inline code, no third parties, no framing. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Headers every console response carries. */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
};

/** One built file held in memory. */
export interface ConsoleAsset {
  body: Buffer;
  type: string;
  etag: string;
}

/** The built console: index.html plus hashed assets keyed by URL path (e.g. `/admin/assets/index-abc.js`). */
export interface ConsoleBundle {
  index: ConsoleAsset | null;
  assets: Map<string, ConsoleAsset>;
}

/** A response decided by {@link planConsoleResponse}. */
export interface ConsoleResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

const URL_BASE = '/admin';
const ASSET_PREFIX = `${URL_BASE}/assets/`;
const NOT_BUILT =
  'The Portcullis console is not built. Run `npm run build` (it writes dist/admin-web) and restart.\n';

function asset(body: Buffer, name: string): ConsoleAsset {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 22);
  return { body, type: TYPES[extname(name)] ?? 'application/octet-stream', etag: `"${hash}"` };
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Where the built console is: next to the compiled module (dist/admin → dist/admin-web), or dist/ when run from source. */
export function defaultConsoleDir(): string | null {
  const candidates = [
    new URL('../admin-web/', import.meta.url),
    new URL('../../dist/admin-web/', import.meta.url),
  ];
  for (const c of candidates) {
    const dir = fileURLToPath(c);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return null;
}

/**
 * Reads a built console directory into memory. A missing or unreadable directory (e.g. caught in
 * the middle of a rebuild) gives an empty bundle — /admin then answers 503 — and never fails the
 * admin API's start.
 */
export async function loadConsoleBundle(dir: string | null): Promise<ConsoleBundle> {
  try {
    return await readBundle(dir);
  } catch {
    return { index: null, assets: new Map() };
  }
}

async function readBundle(dir: string | null): Promise<ConsoleBundle> {
  const bundle: ConsoleBundle = { index: null, assets: new Map() };
  if (!dir || !existsSync(join(dir, 'index.html'))) return bundle;
  bundle.index = asset(await readFile(join(dir, 'index.html')), 'index.html');
  const assetsDir = join(dir, 'assets');
  if (existsSync(assetsDir)) {
    for (const file of await listFiles(assetsDir)) {
      const urlPath = ASSET_PREFIX + relative(assetsDir, file).split(sep).join('/');
      bundle.assets.set(urlPath, asset(await readFile(file), file));
    }
  }
  return bundle;
}

function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v === etag || v === `W/${etag}`;
  });
}

function fileResponse(
  file: ConsoleAsset,
  cacheControl: string,
  ifNoneMatch?: string,
): ConsoleResponse {
  const headers = { ...CONSOLE_SECURITY_HEADERS, 'cache-control': cacheControl, etag: file.etag };
  if (etagMatches(ifNoneMatch, file.etag)) return { status: 304, headers, body: '' };
  return { status: 200, headers: { ...headers, 'content-type': file.type }, body: file.body };
}

/**
 * Decides the answer for a path under /admin: a hashed asset (long cache), 404 for an unknown
 * asset, and index.html for every other path (the console routes on the client).
 */
export function planConsoleResponse(
  bundle: ConsoleBundle,
  path: string,
  ifNoneMatch?: string,
): ConsoleResponse {
  const plain = {
    ...CONSOLE_SECURITY_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
  };
  if (path.startsWith(ASSET_PREFIX)) {
    const file = bundle.assets.get(path);
    if (!file) return { status: 404, headers: plain, body: 'Not found\n' };
    return fileResponse(file, 'public, max-age=31536000, immutable', ifNoneMatch);
  }
  if (!bundle.index) return { status: 503, headers: plain, body: NOT_BUILT };
  return fileResponse(bundle.index, 'no-cache', ifNoneMatch);
}

/** Options of {@link consoleRoutes}. */
export interface ConsoleRoutesOptions {
  /** Directory of the built console; default: {@link defaultConsoleDir}. */
  dir?: string;
}

/**
 * Fastify plugin: GET/HEAD /admin and /admin/* serve the console (no authentication: the page
 * itself holds no data; every API call it makes carries a bearer token); `/` redirects to /admin.
 * @example await app.register(consoleRoutes)
 */
export const consoleRoutes: FastifyPluginAsync<ConsoleRoutesOptions> = async (app, opts) => {
  const dir = opts.dir ?? defaultConsoleDir();
  const bundle = await loadConsoleBundle(dir);
  if (!bundle.index)
    app.log.warn('admin console not built (dist/admin-web missing): /admin answers 503');
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?', 1)[0]!;
    const plan = planConsoleResponse(bundle, path, request.headers['if-none-match']);
    return reply.code(plan.status).headers(plan.headers).send(plan.body);
  };
  const config = { public: true };
  app.get('/admin', { config }, handler);
  app.get('/admin/*', { config }, handler);
  // The admin listener's root leads to the console, so typing host:8081 in a browser just works.
  app.get('/', { config }, async (_request, reply) =>
    reply.code(302).headers(CONSOLE_SECURITY_HEADERS).header('location', '/admin').send(),
  );
};
