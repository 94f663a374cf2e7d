/**
 * Issue 12: a refused form says, per field, what a person must fix ("Display name is required"),
 * never zod's own text ("Too small: expected string to have >=1 characters") and never the value
 * that was sent. Every field of every admin request schema has a label, so no form can fall back
 * to a raw field name. All cases go through the HTTP surface (inject), as the console does.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FIELD_LABELS } from '../../src/admin/field-labels.js';
import { InstallQuery } from '../../src/admin/routes/content.js';
import { ContentListQuery } from '../../src/admin/routes/content-page.js';
import * as schemas from '../../src/admin/schemas.js';
import { type AdminFixture, addAccount, adminFixture, bearer, login } from './helpers.js';

let fx: AdminFixture;
let auth: Record<string, string>;

beforeAll(async () => {
  fx = await adminFixture();
  await addAccount(fx.store, 'alice', 'admin');
  auth = bearer(await login(fx.app, 'alice'));
});
afterAll(async () => fx?.close());

interface Problem {
  type: string;
  title: string;
  detail: string;
  code: string;
  errors: Array<{ field: string; path: string; message: string }>;
}

async function send(method: 'POST' | 'PUT' | 'PATCH' | 'GET', url: string, payload?: unknown) {
  return fx.app.inject({
    method,
    url,
    headers: auth,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

/** The problem of a refused request, after the checks every validation refusal must pass. */
function refusal(res: LightMyRequestResponse): Problem {
  expect(res.statusCode, res.body).toBe(400);
  const body = res.json() as Problem;
  expect(body.code).toBe('VALIDATION_FAILED');
  expect(body.type).toBe('urn:portcullis:problem:validation-failed');
  expect(body.title).toBe('Some fields are missing or not valid.');
  // zod's own wording never reaches a person.
  expect(res.body).not.toMatch(/Too small|Too big|Invalid input|expected string|received /);
  for (const e of body.errors) {
    expect(e.path).toBe(e.field);
    expect(e.message).toMatch(/^[A-Z"]/);
  }
  return body;
}

function fields(body: Problem): Record<string, string> {
  return Object.fromEntries(body.errors.map((e) => [e.field, e.message]));
}

describe('validation messages at the HTTP surface', () => {
  it('an empty Save of a JWT configuration names the display name', async () => {
    const body = refusal(await send('POST', '/api/v1/jwt-configurations', { displayName: '' }));
    expect(body.errors).toEqual([
      { field: 'displayName', path: 'displayName', message: 'Display name is required' },
    ]);
    expect(body.detail).toBe('Display name is required.');
    const blank = refusal(await send('POST', '/api/v1/jwt-configurations', { displayName: '  ' }));
    expect(fields(blank)).toEqual({ displayName: 'Display name is required' });
  });

  it('names every failing field of a configuration, nested ones included', async () => {
    const body = refusal(
      await send('POST', '/api/v1/jwt-configurations', {
        displayName: 'x'.repeat(101),
        tokenExpiry: 'soon',
        enabled: 'yes',
        key: { generate: { bits: 1024 } },
      }),
    );
    expect(fields(body)).toEqual({
      displayName: 'Display name must be at most 100 characters',
      tokenExpiry: 'Token lifetime must be a duration such as 15m, 1h or 1d',
      enabled: 'Enabled must be true or false',
      'key.generate.bits': 'Key size must be one of: 2048, 3072, 4096',
    });
    const pem = refusal(
      await send('POST', '/api/v1/jwt-configurations', { displayName: 'a', key: { pem: '' } }),
    );
    expect(fields(pem)).toEqual({ 'key.pem': 'Private key (PEM) is required' });
  });

  it('answers the multipart form of a configuration in the same words', async () => {
    const boundary = 'field-messages-boundary';
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/jwt-configurations',
      headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: `--${boundary}\r\nContent-Disposition: form-data; name="displayName"\r\n\r\n\r\n--${boundary}--\r\n`,
    });
    expect(fields(refusal(res))).toEqual({ displayName: 'Display name is required' });
  });

  it('accounts: username, password and role, without echoing the password', async () => {
    const body = refusal(
      await send('POST', '/api/v1/accounts', {
        username: 'bad name!',
        password: 'hunter2',
        role: 'root',
      }),
    );
    expect(fields(body)).toEqual({
      username: 'Username may contain only letters, digits and . _ @ -',
      password: 'Password must be at least 12 characters',
      role: 'Role must be one of: admin, read-only',
    });
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });

  it('JWT servers: one of JWKS URL or shared secret, and the secret is never echoed', async () => {
    const neither = refusal(
      await send('POST', '/api/v1/jwt-servers', { name: 'CI', issuer: 'i', audience: 'a' }),
    );
    expect(fields(neither)).toEqual({
      jwksUrl: 'JWKS URL or a shared secret is required: give exactly one of the two',
    });
    const bad = refusal(
      await send('POST', '/api/v1/jwt-servers', {
        name: '',
        issuer: 'i',
        audience: 'a',
        sharedSecret: 'short-secret-value',
        requiredClaims: { iss: 'x', repo: '' },
      }),
    );
    expect(fields(bad)).toEqual({
      name: 'Name is required',
      sharedSecret: 'Shared secret must be at least 32 characters (256 bits)',
      'requiredClaims.iss':
        'Required claims: iss, aud, exp, iat, nbf are checked already; require other claims.',
      'requiredClaims.repo': 'Value of required claim "repo" is required',
    });
    expect(JSON.stringify(bad)).not.toContain('short-secret-value');
    const url = refusal(
      await send('POST', '/api/v1/jwt-servers', {
        name: 'CI',
        issuer: 'i',
        audience: 'a',
        jwksUrl: 'ftp://keys.example/jwks',
      }),
    );
    expect(fields(url)).toEqual({ jwksUrl: 'JWKS URL must be a full http:// or https:// URL' });
  });

  it('settings and query strings use the same labels', async () => {
    const settings = refusal(
      await send('PUT', '/api/v1/settings', { auditRetentionDays: -1, keyRotationDays: 1.5 }),
    );
    expect(fields(settings)).toEqual({
      auditRetentionDays: 'Audit retention (days) must be at least 0',
      keyRotationDays: 'Key rotation age (days) must be a whole number',
    });
    const audit = refusal(await send('GET', '/api/v1/audit?limit=0&since=yesterday'));
    expect(fields(audit)).toEqual({
      limit: 'Page size must be at least 1',
      since: 'From must be a date and time such as 2026-12-05T10:00:00Z',
    });
  });

  it('the request as a whole: empty patch, either-or bodies, unknown fields', async () => {
    const created = await send('POST', '/api/v1/jwt-configurations', { displayName: 'Msg' });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const empty = refusal(await send('PATCH', `/api/v1/jwt-configurations/${id}`, {}));
    expect(empty.errors).toEqual([
      { field: '', path: '', message: 'Nothing to change: send a field.' },
    ]);
    const either = refusal(await send('POST', `/api/v1/jwt-configurations/${id}/signed-urls`, {}));
    expect(fields(either)).toEqual({ '': 'URL or Path is required.' });
    const unknown = refusal(
      await send('POST', '/api/v1/jwt-configurations', { displayName: 'x', isAdmin: true }),
    );
    expect(fields(unknown)).toEqual({ isAdmin: 'Unknown field "isAdmin": remove it.' });
    const long = refusal(
      await send('POST', '/api/v1/jwt-configurations', { displayName: 'x', ['k'.repeat(5000)]: 1 }),
    );
    expect(long.errors[0]?.field.length).toBeLessThanOrEqual(100);
    expect(long.detail.length).toBeLessThanOrEqual(500);
  });

  it('bounds the answer to a body with thousands of bad fields', async () => {
    const requiredClaims = Object.fromEntries(
      Array.from({ length: 3000 }, (_, i) => [`bad claim ${i}`, 'x']),
    );
    const res = await send('POST', '/api/v1/jwt-servers', {
      name: 'CI',
      issuer: 'i',
      audience: 'a',
      jwksUrl: 'https://keys.example/jwks',
      requiredClaims,
    });
    const body = refusal(res);
    expect(body.errors.length).toBeLessThanOrEqual(50);
    expect(res.body.length).toBeLessThan(20_000);
  });
});

/** Dotted paths of every property a request schema accepts (from its JSON Schema). */
function fieldPaths(schema: unknown, prefix = ''): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as Record<string, unknown>;
  const out: string[] = [];
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = node[key];
    if (Array.isArray(list)) for (const s of list) out.push(...fieldPaths(s, prefix));
  }
  const props = node.properties;
  if (typeof props === 'object' && props !== null) {
    for (const [name, sub] of Object.entries(props)) {
      const path = prefix ? `${prefix}.${name}` : name;
      out.push(path, ...fieldPaths(sub, path));
    }
  }
  if (typeof node.additionalProperties === 'object') {
    out.push(...fieldPaths(node.additionalProperties, prefix ? `${prefix}.*` : '*'));
  }
  return out;
}

describe('field labels', () => {
  const requestSchemas: Array<[string, unknown]> = [
    ...Object.entries(schemas).filter(([name]) => /(Body|Params|Query)/.test(name)),
    ['InstallQuery', InstallQuery],
    ['ContentListQuery', ContentListQuery],
  ];

  it('covers every field of every admin request schema', () => {
    expect(requestSchemas.length).toBeGreaterThan(12);
    const missing: string[] = [];
    for (const [name, schema] of requestSchemas) {
      const json = z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' });
      for (const path of fieldPaths(json)) {
        const last = path.split('.').at(-1) ?? path;
        if (!(path in FIELD_LABELS) && !(last in FIELD_LABELS) && last !== '*') {
          missing.push(`${name}: ${path}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
