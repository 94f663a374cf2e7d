/**
 * The configuration the zero-config start created ("Default") is marked `zeroConfig: true` in the
 * API (list and read), so the console can stop preferring it over the admin's own keys; every
 * other configuration is `false`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adoptZeroConfigKey } from '../../src/app/zero-config-key.js';
import { type AdminFixture, addAccount, adminFixture, bearer, login } from './helpers.js';

let fx: AdminFixture;
let admin: string;

beforeAll(async () => {
  fx = await adminFixture();
  await adoptZeroConfigKey(fx.store, fx.secret, {
    legacyPrivateKeyPath: join(fx.dir, 'absent-key.pem'),
    legacyPublicKeyPath: join(fx.dir, 'absent-key.pub.pem'),
  });
  await addAccount(fx.store, 'alice', 'admin');
  admin = await login(fx.app, 'alice');
});
afterAll(() => fx.close());

describe('zeroConfig on JWT configurations', () => {
  it('marks only the zero-config "Default", in the list and on read', async () => {
    const created = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/jwt-configurations',
      headers: bearer(admin),
      payload: { displayName: 'Jamf Pro', key: { generate: { bits: 2048 } } },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().zeroConfig).toBe(false);
    const list = await fx.app.inject({
      method: 'GET',
      url: '/api/v1/jwt-configurations',
      headers: bearer(admin),
    });
    const items = list.json().items as Array<{ id: string; zeroConfig: boolean }>;
    expect(items.map((i) => i.zeroConfig).sort()).toEqual([false, true]);
    const zero = items.find((i) => i.zeroConfig)!;
    expect(zero.id).not.toBe(created.json().id);
    const read = await fx.app.inject({
      method: 'GET',
      url: `/api/v1/jwt-configurations/${zero.id}`,
      headers: bearer(admin),
    });
    expect(read.json()).toMatchObject({ displayName: 'Default', zeroConfig: true });
    const patched = await fx.app.inject({
      method: 'PATCH',
      url: `/api/v1/jwt-configurations/${zero.id}`,
      headers: bearer(admin),
      payload: { enabled: false },
    });
    expect(patched.json()).toMatchObject({ enabled: false, zeroConfig: true });
  });
});
