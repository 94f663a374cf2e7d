/**
 * Adding a JWT configuration whose key another one already holds is allowed (staging a rotation
 * may need it) but never silent: create and rotate answer a KEY_ALREADY_CONFIGURED warning naming
 * the other configuration, and the log says so. Through inject() with a real SQLite store and a
 * real pino logger writing to memory.
 */
import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminFixture, addAccount, adminFixture, bearer, login } from './helpers.js';

const BASE = '/api/v1/jwt-configurations';
const logLines: string[] = [];
let fx: AdminFixture;
let auth: Record<string, string>;
const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  type: 'pkcs1',
  format: 'pem',
}) as string;

const post = (url: string, payload: unknown) =>
  fx.app.inject({ method: 'POST', url, headers: auth, payload: payload as object });

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  fx = await adminFixture({ logger: pino({ level: 'info' }, sink) });
  await addAccount(fx.store, 'alice', 'admin');
  auth = bearer(await login(fx.app, 'alice'));
}, 60_000);
afterAll(async () => {
  await fx?.close();
});

describe('the same key in two JWT configurations', () => {
  let firstId = '';

  it('the first configuration with a key has no warnings', async () => {
    const res = await post(BASE, { displayName: 'Jamf Prod', key: { pem } });
    expect(res.statusCode).toBe(201);
    expect(res.json().warnings).toBeUndefined();
    firstId = res.json().id;
  });

  it('a second one with the same key is created, with a warning naming the first, and logged', async () => {
    logLines.length = 0;
    const res = await post(BASE, { displayName: 'Jamf Staging', key: { pem } });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.warnings).toEqual([
      {
        code: 'KEY_ALREADY_CONFIGURED',
        message: expect.stringContaining('same fingerprint'),
        configurations: [{ id: firstId, displayName: 'Jamf Prod' }],
      },
    ]);
    const logged = logLines.map((l) => JSON.parse(l)).find((l) => l.sameKeyAs);
    expect(logged).toMatchObject({
      level: 40,
      msg: 'another JWT configuration already uses this key',
      configurationId: body.id,
      sameKeyAs: [firstId],
      fingerprint: body.fingerprint,
    });
    expect(logLines.join('')).not.toContain('PRIVATE KEY');
  });

  it('rotating a third configuration onto that key warns about both, rotating away does not', async () => {
    const third = await post(BASE, { displayName: 'Other' });
    expect(third.json().warnings).toBeUndefined();
    const onto = await post(`${BASE}/${third.json().id}/rotate`, { key: { pem } });
    expect(onto.statusCode).toBe(200);
    expect(
      onto
        .json()
        .warnings[0].configurations.map((c: { displayName: string }) => c.displayName)
        .sort(),
    ).toEqual(['Jamf Prod', 'Jamf Staging']);
    const away = await post(`${BASE}/${third.json().id}/rotate`, {
      key: { generate: { bits: 2048 } },
    });
    expect(away.statusCode).toBe(200);
    expect(away.json().warnings).toBeUndefined();
  });
});
