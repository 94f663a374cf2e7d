/**
 * Every problem document has a human title: the test walks every code of every registry
 * (docs/errors.md) through the admin API's one error mapper and its problem builder, and checks
 * a real refusal over inject() too. A title that is the code itself (`"title":"KEY_TOO_SMALL"`)
 * tells a person nothing the `code` member does not already say.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError, problemBody } from '../../src/admin/problem.js';
import { PortcullisError } from '../../src/errors/base.js';
import { ERROR_AREAS } from '../../src/errors-table.js';
import { type AdminFixture, addAccount, adminFixture, bearer, login } from '../admin/helpers.js';

/** A title a person can read: a sentence, not an UPPER_SNAKE code or an empty string. */
function expectHumanTitle(title: string, code: string): void {
  expect(title, code).not.toBe(code);
  expect(title, code).not.toMatch(/^[A-Z0-9_]+$/);
  expect(title, code).toMatch(/[a-z]/);
  expect(title.includes(' '), `${code}: "${title}"`).toBe(true);
}

const everyCode = ERROR_AREAS.flatMap((area) =>
  Object.entries(area.codes).map(([code, entry]) => ({ area: area.title, code, entry })),
);

describe('problem titles', () => {
  it('walks a real number of codes', () => {
    expect(everyCode.length).toBeGreaterThan(80);
  });

  it.each(everyCode)('$area $code: thrown, it answers a human title', ({ code, entry }) => {
    const err = new PortcullisError(code, { ...entry, area: 'test' }, entry.message);
    const problem = classifyError(err);
    expectHumanTitle(problem.title, code);
  });

  // The areas the admin API may name by code alone (serving and probe codes reach it as errors).
  const named = everyCode.filter((c) =>
    ['Admin API', 'Keys', 'Tokens', 'Catalog', 'Store'].includes(c.area),
  );
  it.each(named)('$area $code: named directly, it gets a human title', ({ code, entry }) => {
    expectHumanTitle(problemBody(entry.status, code, 'detail').title, code);
  });
});

describe('problem titles over HTTP', () => {
  let fx: AdminFixture;
  let auth: Record<string, string>;
  beforeAll(async () => {
    fx = await adminFixture();
    await addAccount(fx.store, 'alice', 'admin');
    auth = bearer(await login(fx.app, 'alice'));
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
  });

  it('a 1024-bit key upload answers KEY_TOO_SMALL with the sentence as title', async () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs1',
      format: 'pem',
    }) as string;
    const res = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/jwt-configurations',
      headers: auth,
      payload: { displayName: 'Weak', key: { pem } },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('KEY_TOO_SMALL');
    expect(body.title).toBe('The RSA key is smaller than 2048 bits, which is too weak.');
    expect(res.body).not.toContain('"title":"KEY_TOO_SMALL"');
  });
});
