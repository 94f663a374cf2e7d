/**
 * The zero-configuration key in the store: created (or imported from an older version's file)
 * as JWT configuration "Default" at most once in a store's life, and found again later to sign
 * the sample URL and to warn when it is still enabled beside the admin's own configurations.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { keyColumns } from '../admin/configuration-material.js';
import { ZERO_CONFIG_SETTING, zeroConfigConfigurationId } from '../admin/zero-config-marker.js';
import { loadPrivateKeyFile } from '../keys/files.js';
import { generateRsaKeyPair } from '../keys/generate.js';
import type { JwtConfigurationRecord, Store } from '../store/types.js';
import type { ZeroConfigLayout } from './zero-config.js';

export { ZERO_CONFIG_SETTING };

/**
 * The zero-config key, at most once in the life of a store: when the store never had it (no
 * marker setting, no such entry in the change log, no configuration at all), it becomes
 * configuration "Default" (15m) — the key left in plaintext by an older version if present,
 * else a fresh one made in memory — and the marker is written in the same transaction. A
 * "Default" later rotated or deleted therefore never comes back. Any key file left in the data
 * directory by an older version (plaintext private key, stale public key) is deleted in every
 * case: the store holds the key encrypted and the JWKS publishes the live public keys.
 * @returns the id of the configuration this start created, else null
 */
export async function adoptZeroConfigKey(
  store: Store,
  secret: Uint8Array,
  layout: Pick<ZeroConfigLayout, 'legacyPrivateKeyPath' | 'legacyPublicKeyPath'>,
): Promise<string | null> {
  let created: string | null = null;
  if (!(await zeroConfigKeyImported(store))) {
    const legacy = existsSync(layout.legacyPrivateKeyPath);
    const key = legacy
      ? (await loadPrivateKeyFile(layout.legacyPrivateKeyPath)).key
      : (await generateRsaKeyPair(2048)).privateKey;
    const id = randomUUID();
    const columns = await keyColumns(id, 'Default', key, secret);
    created = await store.transaction(async () => {
      if ((await store.settings.get(ZERO_CONFIG_SETTING)) !== undefined) return null;
      const marker = JSON.stringify({ configurationId: id, at: new Date().toISOString() });
      await store.settings.set(ZERO_CONFIG_SETTING, marker);
      // A store set up by hand before its first zero-config start keeps what it has.
      if ((await store.configurations.list()).length > 0) return null;
      await store.configurations.create({
        id,
        displayName: 'Default',
        ...columns,
        tokenExpirySeconds: 900,
        enabled: true,
        createdBy: 'system',
      });
      await store.changes.record({
        actor: 'system',
        action: 'configuration.create',
        targetType: 'configuration',
        targetId: id,
        details: {
          displayName: 'Default',
          keySource: 'zero-config',
          fingerprint: columns.fingerprint,
        },
      });
      return id;
    });
  }
  // No key file is offered: the public key file older versions wrote went stale on rotation
  // (a front server fed it kept accepting rotated-away tokens); the JWKS and the API are live.
  for (const file of [layout.legacyPrivateKeyPath, layout.legacyPublicKeyPath]) {
    await unlink(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  return created;
}

/** True when this store imported the zero-config key before (marker, or a pre-marker change log entry). */
async function zeroConfigKeyImported(store: Store): Promise<boolean> {
  if ((await store.settings.get(ZERO_CONFIG_SETTING)) !== undefined) return true;
  // Stores from before the marker: the import left a change-log entry (unless purged).
  const page = await store.changes.query({
    actor: 'system',
    action: 'configuration.create',
    limit: 1000,
  });
  return page.items.some((c) => c.details.keySource === 'zero-config');
}

/** The zero-config "Default" configuration when it still exists and is enabled, else null. */
export async function enabledZeroConfigConfiguration(
  store: Store,
): Promise<JwtConfigurationRecord | null> {
  const id = await zeroConfigConfigurationId(store);
  const record = id ? await store.configurations.get(id) : undefined;
  return record?.enabled ? record : null;
}

/**
 * The other enabled configurations when the zero-config "Default" is enabled beside them: then
 * tokens signed with the demo key still open downloads next to the admin's own Jamf key.
 * @returns "Default" and the others, or null when there is nothing to warn about
 */
export async function defaultBesideOthers(
  store: Store,
): Promise<{ zeroConfig: JwtConfigurationRecord; others: JwtConfigurationRecord[] } | null> {
  const zeroConfig = await enabledZeroConfigConfiguration(store);
  if (!zeroConfig) return null;
  const others = (await store.configurations.list()).filter(
    (c) => c.enabled && c.id !== zeroConfig.id,
  );
  return others.length > 0 ? { zeroConfig, others } : null;
}
