import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ERRORS } from '../../src/admin/errors.js';
import { openApiPath } from '../../src/admin/openapi.js';
import {
  type AdminFixture,
  addAccount,
  adminFixture,
  bearer,
  login,
  problemOf,
} from './helpers.js';

const PROBLEM = 'application/problem+json; charset=utf-8';

describe('admin app: problem+json and plumbing', () => {
  let fx: AdminFixture;
  let token: string;

  beforeAll(async () => {
    fx = await adminFixture();
    // A route that fails unexpectedly, registered before the app is ready.
    fx.app.get('/api/v1/test-boom', async () => {
      throw new Error('disk /var/lib/portcullis/secret.key exploded');
    });
    await addAccount(fx.store, 'alice', 'admin');
    token = await login(fx.app, 'alice');
  });
  afterAll(async () => fx.close());

  it('answers unknown routes with 404 NOT_FOUND problem+json', async () => {
    const res = await fx.app.inject({ method: 'GET', url: '/api/v1/nope?token=secret-ish' });
    expect(problemOf(res)).toEqual({ status: 404, code: 'NOT_FOUND', type: PROBLEM });
    const body = res.json();
    expect(body).toMatchObject({
      title: ADMIN_ERRORS.NOT_FOUND.message,
      status: 404,
      instance: '/api/v1/nope',
    });
    expect(res.body).not.toContain('secret-ish');
  });

  it('answers unexpected failures with 500 INTERNAL_ERROR and no internals', async () => {
    const res = await fx.app.inject({ method: 'GET', url: '/api/v1/test-boom' });
    expect(problemOf(res)).toEqual({ status: 500, code: 'INTERNAL_ERROR', type: PROBLEM });
    expect(res.body).not.toContain('/var/lib');
    expect(res.body).not.toContain('exploded');
  });

  it('requires a bearer token (401 UNAUTHENTICATED with WWW-Authenticate)', async () => {
    const res = await fx.app.inject({ method: 'GET', url: '/api/v1/jwt-configurations' });
    expect(problemOf(res)).toEqual({ status: 401, code: 'UNAUTHENTICATED', type: PROBLEM });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('refuses garbage bearer tokens without a 500', async () => {
    for (const value of [
      'Bearer x.y.z',
      'Bearer ',
      'Token abc',
      `Bearer ${'a'.repeat(20000)}`,
      'Bearer eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.',
    ]) {
      const res = await fx.app.inject({
        method: 'GET',
        url: '/api/v1/auth',
        headers: { authorization: value },
      });
      expect(res.statusCode, value.slice(0, 30)).toBe(401);
      expect(res.json().code).toBe('UNAUTHENTICATED');
    }
  });

  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/jwt-configurations',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      payload: '{"displayName": ',
    });
    expect(problemOf(res)).toEqual({ status: 400, code: 'MALFORMED_JSON', type: PROBLEM });
  });

  it('refuses unknown fields with VALIDATION_FAILED listing them', async () => {
    const res = await fx.app.inject({
      method: 'PUT',
      url: '/api/v1/settings',
      headers: bearer(token),
      payload: { auditRetentionDays: 30, isAdmin: true },
    });
    expect(problemOf(res).code).toBe('VALIDATION_FAILED');
    expect(res.json().errors).toEqual([
      expect.objectContaining({ message: expect.stringContaining('isAdmin') }),
    ]);
  });

  it('refuses wrong content types with 415', async () => {
    const res = await fx.app.inject({
      method: 'PUT',
      url: '/api/v1/settings',
      headers: { ...bearer(token), 'content-type': 'application/xml' },
      payload: '<settings/>',
    });
    expect(problemOf(res)).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', type: PROBLEM });
    const text = await fx.app.inject({
      method: 'PUT',
      url: '/api/v1/settings',
      headers: { ...bearer(token), 'content-type': 'text/plain' },
      payload: '{"auditRetentionDays":5}',
    });
    expect(problemOf(text).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses oversized bodies with 413 BODY_TOO_LARGE', async () => {
    const res = await fx.app.inject({
      method: 'PUT',
      url: '/api/v1/settings',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 10) }),
    });
    expect(problemOf(res)).toEqual({ status: 413, code: 'BODY_TOO_LARGE', type: PROBLEM });
  });

  it('lists every registered /api route in the OpenAPI 3.1 document', async () => {
    const res = await fx.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    const registered = fx.app.adminRoutes.filter((r) => r.url.startsWith('/api/'));
    expect(registered.length).toBeGreaterThan(25);
    for (const route of registered) {
      expect(
        doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase()],
        `${route.method} ${route.url}`,
      ).toBeDefined();
    }
    const create = doc.paths['/api/v1/jwt-configurations']?.post as {
      requestBody: {
        content: Record<
          string,
          { schema: { properties: Record<string, unknown>; additionalProperties: unknown } }
        >;
      };
    };
    expect(Object.keys(create.requestBody.content['application/json']!.schema.properties)).toEqual(
      expect.arrayContaining(['displayName', 'key', 'tokenExpiry', 'enabled']),
    );
    expect(create.requestBody.content['application/json']!.schema.additionalProperties).toBe(false);
  });
});
