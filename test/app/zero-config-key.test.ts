/**
 * When the start warns that the zero-config demo key is still enabled: only while "Default"
 * (found by the store's marker, whatever it is called now) and another configuration are both
 * enabled. A real SQLite store; the warning text is checked where it names things.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyColumns } from '../../src/admin/configuration-material.js';
import { defaultBesideOthersWarning } from '../../src/app/banner.js';
import { prepareZeroConfig } from '../../src/app/zero-config.js';
import { adoptZeroConfigKey, defaultBesideOthers } from '../../src/app/zero-config-key.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';

let dir: string;
let store: Store;
const secret = new Uint8Array(32).fill(7);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-zero-key-'));
  store = openSqliteStore({ dataDir: dir });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function addConfiguration(displayName: string, enabled: boolean): Promise<string> {
  const id = randomUUID();
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  await store.configurations.create({
    id,
    displayName,
    ...(await keyColumns(id, displayName, key, secret)),
    tokenExpirySeconds: 900,
    enabled,
    createdBy: null,
  });
  return id;
}

describe('defaultBesideOthers', () => {
  it('warns only while the demo key and another configuration are both enabled', async () => {
    const layout = await prepareZeroConfig(join(dir, 'data'));
    const defaultId = await adoptZeroConfigKey(store, secret, layout);
    expect(defaultId).not.toBeNull();
    // Alone, or beside a disabled configuration: nothing to say.
    expect(await defaultBesideOthers(store)).toBeNull();
    await addConfiguration('Old Jamf key', false);
    expect(await defaultBesideOthers(store)).toBeNull();
    await addConfiguration('Jamf Pro', true);
    const found = await defaultBesideOthers(store);
    expect(found?.zeroConfig.id).toBe(defaultId);
    expect(found?.others.map((c) => c.displayName)).toEqual(['Jamf Pro']);
    // Renamed, it is still the demo key (the marker holds its id), and the warning names it so.
    await store.configurations.update(defaultId!, { displayName: 'Demo' });
    const renamed = await defaultBesideOthers(store);
    expect(renamed?.zeroConfig.id).toBe(defaultId);
    const text = defaultBesideOthersWarning(renamed!.zeroConfig, 1, null);
    expect(text).toContain('JWT configuration "Demo" (the zero-configuration demo key)');
    expect(text).toContain('beside 1 other configuration:');
    expect(text).toContain(`PATCH /api/v1/jwt-configurations/${defaultId} with {"enabled":false}`);
    // Disabled, it opens nothing: the warning stops.
    await store.configurations.update(defaultId!, { enabled: false });
    expect(await defaultBesideOthers(store)).toBeNull();
  });

  it('never warns about a configuration merely called "Default" in a store without the marker', async () => {
    await addConfiguration('Default', true);
    await addConfiguration('Jamf Pro', true);
    expect(await defaultBesideOthers(store)).toBeNull();
  });
});
