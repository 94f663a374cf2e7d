/**
 * Issue 11 item 6: the admin API is a tree of encapsulated plugins. The instance it is registered
 * on (the admin listener, which also serves /metrics and whatever else is added there) gets no
 * decorator from it: no store, no secret, no signer, no guard. The listener's own hooks (the
 * Host check) still run before every admin route, and a route added next to the admin API
 * cannot reach what the admin routes share.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPlugin } from '../../src/admin/app.js';
import { ConfigurationSigner } from '../../src/admin/configuration-signer.js';
import type { RouteEntry } from '../../src/admin/openapi.js';
import { probeRunner } from '../../src/probe/runner.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { addAccount, basic, PASSWORD } from './helpers.js';

/** Decorator names the admin plugin used to put on its host instance before issue 11. */
const FORMER_DECORATORS = [
  'store',
  'adminServices',
  'authenticate',
  'requireRole',
  'requireSigning',
  'publicUrl',
  'contentRoot',
  'problem',
  'recordChange',
  'adminRoutes',
];

let dir: string;
let store: Store;
let secret: Uint8Array;
let host: FastifyInstance;
let neighbour: Record<string, unknown> = {};
const routes: RouteEntry[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-encapsulation-'));
  store = openSqliteStore({ dataDir: dir });
  secret = new Uint8Array(randomBytes(32));
  await addAccount(store, 'alice', 'admin');
  // Like the admin listener: a host-check hook and a route of its own, then the admin API.
  host = Fastify({ logger: false });
  host.addHook('onRequest', async (request, reply) => {
    if (request.headers.host !== 'admin.example.test') {
      return reply.code(421).send({ code: 'HOST_NOT_ALLOWED' });
    }
  });
  host.get('/metrics', async () => 'metrics');
  await host.register(adminPlugin, {
    store,
    secret,
    publicUrl: 'https://dist.example.test',
    contentRoot: join(dir, 'content'),
    probe: probeRunner,
    routeLog: routes,
  });
  // A sibling registered after the admin API (a content extension, a later feature).
  await host.register(async (sibling) => {
    sibling.get('/sibling', async (request) => {
      neighbour = { instance: sibling, principal: request.principal };
      return { ok: true };
    });
  });
  await host.ready();
}, 60_000);

afterAll(async () => {
  await host?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every value reachable as an own or inherited property of `instance`, one level deep. */
function reachable(instance: object): unknown[] {
  const values: unknown[] = [];
  for (let o: object | null = instance; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, key);
      if (d && 'value' in d) values.push(d.value);
    }
  }
  return values;
}

describe('the admin plugin tree', () => {
  it('decorates nothing onto the instance it is registered on', () => {
    for (const name of FORMER_DECORATORS) expect(host.hasDecorator(name), name).toBe(false);
    expect(host.hasRequestDecorator('principal')).toBe(false);
  });

  it('leaves no store, secret or signer reachable from the host or a sibling plugin', async () => {
    const res = await host.inject({ url: '/sibling', headers: { host: 'admin.example.test' } });
    expect(res.statusCode).toBe(200);
    expect(neighbour.principal).toBeUndefined();
    for (const instance of [host, neighbour.instance as object]) {
      for (const value of reachable(instance)) {
        expect(value === store || value === secret).toBe(false);
        expect(value instanceof ConfigurationSigner).toBe(false);
      }
    }
  });

  it('still runs the host instance hooks before every admin route', async () => {
    expect(routes.length).toBeGreaterThan(40);
    for (const route of routes) {
      const url = route.url.replace(':id', 'x').replace('*', 'a.pkg');
      const res = await host.inject({
        method: route.method as 'GET',
        url,
        headers: { host: 'evil.example.test', authorization: basic('alice', PASSWORD) },
      });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(421);
    }
  });

  it('serves the admin API (problem+json, guards) when the host check passes', async () => {
    const token = await host.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      headers: { host: 'admin.example.test', authorization: basic('alice', PASSWORD) },
    });
    expect(token.statusCode).toBe(200);
    const anonymous = await host.inject({
      url: '/api/v1/jwt-configurations',
      headers: { host: 'admin.example.test' },
    });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/^application\/problem\+json/);
    // The host's own route keeps the host's own behaviour.
    const metrics = await host.inject({ url: '/metrics', headers: { host: 'admin.example.test' } });
    expect(metrics.body).toBe('metrics');
  });
});
