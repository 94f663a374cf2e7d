/**
 * The static route of the admin console: SPA fallback, hashed assets with long cache, 404 for
 * unknown assets, 503 when the console is not built, and the security headers on every answer.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONSOLE_CSP,
  consoleRoutes,
  loadConsoleBundle,
  planConsoleResponse,
} from '../../src/admin/console-route.js';

const INDEX =
  '<!doctype html><title>console</title><script type="module" src="/admin/assets/index-abc123.js"></script>';
const SCRIPT = 'console.log("hi");';
let dir: string;
let app: FastifyInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), SCRIPT);
  writeFileSync(join(dir, 'assets', 'index-def456.css'), 'body{margin:0}');
  app = Fastify();
  await app.register(consoleRoutes, { dir });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

function expectSecurityHeaders(headers: Record<string, unknown>): void {
  expect(headers['content-security-policy']).toBe(CONSOLE_CSP);
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['x-content-type-options']).toBe('nosniff');
}

describe('console route', () => {
  it('the CSP forbids inline code, third parties and framing', () => {
    expect(CONSOLE_CSP).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
  });

  it.each([
    '/admin',
    '/admin/',
    '/admin/configurations',
    '/admin/content/apps/My%20App.ipa',
    '/admin/audit?outcome=OK',
  ])('answers index.html for the client route %s', async (url) => {
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toBe(INDEX);
    expectSecurityHeaders(res.headers);
  });

  it('serves hashed assets with a year-long immutable cache and their type', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.body).toBe(SCRIPT);
    expectSecurityHeaders(res.headers);
    const css = await app.inject({ method: 'GET', url: '/admin/assets/index-def456.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await app.inject({ method: 'GET', url: '/admin/assets/index-abc123.js' });
    const etag = String(first.headers.etag);
    const again = await app.inject({
      method: 'GET',
      url: '/admin/assets/index-abc123.js',
      headers: { 'if-none-match': etag },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('answers 404, not index.html, for an unknown asset or a traversal attempt', async () => {
    for (const url of [
      '/admin/assets/missing.js',
      '/admin/assets/../index.html',
      '/admin/assets/%2e%2e/index.html',
    ]) {
      const res = await app.inject({ method: 'GET', url });
      if (res.statusCode === 200) expect(res.body).toBe(INDEX);
      else {
        expect(res.statusCode).toBe(404);
        expect(res.body).not.toContain('<script');
        expectSecurityHeaders(res.headers);
      }
    }
    const missing = await app.inject({ method: 'GET', url: '/admin/assets/missing.js' });
    expect(missing.statusCode).toBe(404);
  });

  it('redirects the listener root to the console', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/admin');
  });

  it('supports HEAD without a body', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/admin/tools' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expectSecurityHeaders(res.headers);
  });

  it('refuses to change anything: POST is not routed', async () => {
    const res = await app.inject({ method: 'POST', url: '/admin' });
    expect(res.statusCode).toBe(404);
  });

  it('an unreadable build (index.html is a directory) gives 503, never a failed start', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'portcullis-console-broken-'));
    try {
      mkdirSync(join(broken, 'index.html'));
      const bundle = await loadConsoleBundle(broken);
      expect(planConsoleResponse(bundle, '/admin').status).toBe(503);
      const other = Fastify();
      await other.register(consoleRoutes, { dir: broken });
      expect((await other.inject({ method: 'GET', url: '/admin' })).statusCode).toBe(503);
      await other.close();
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it('answers 503 with a fix when the console was not built', async () => {
    const empty = await loadConsoleBundle(join(dir, 'nope'));
    const plan = planConsoleResponse(empty, '/admin');
    expect(plan.status).toBe(503);
    expect(String(plan.body)).toContain('npm run build');
    expect(String(plan.body)).not.toContain(dir);
    expect(plan.headers['content-security-policy']).toBe(CONSOLE_CSP);
  });
});
