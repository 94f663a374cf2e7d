/**
 * What the JWT configuration route files share: the base path, the plugin options (the route
 * deps plus the signer, the one path to a key, and an encrypt-only key sealer) and lookups.
 */
import type { KeyObject } from 'node:crypto';
import type { JwtConfigurationRecord, Store } from '../../store/types.js';
import { configurationView, type KeyColumns } from '../configuration-material.js';
import type { ConfigurationSigner } from '../configuration-signer.js';
import { AdminError } from '../errors.js';
import type { RouteDeps } from '../route-deps.js';
import { zeroConfigConfigurationId } from '../zero-config-marker.js';

/** Base path of the configuration routes. */
export const BASE = '/api/v1/jwt-configurations';
/** OpenAPI tags of the configuration routes. */
export const TAGS = ['configurations'];

/** Options of the configuration route plugins. */
export interface ConfigurationRoutesOptions extends RouteDeps {
  /** Mints signed URLs; forgets a configuration's cached key after it changes. */
  signer: ConfigurationSigner;
  /** Public base URL of the content listener, without a trailing slash. */
  publicUrl: string;
  /** Tells the content listener to reload its keys. */
  keysChanged: () => Promise<void>;
  /** Encrypts a new private key into the stored columns (it cannot decrypt). */
  sealKey(id: string, displayName: string, privateKey: KeyObject): Promise<KeyColumns>;
}

/** The configuration `id`, or NOT_FOUND. */
export async function configurationOr404(
  store: Store,
  id: string,
): Promise<JwtConfigurationRecord> {
  const record = await store.configurations.get(id);
  if (!record) throw new AdminError('NOT_FOUND', 'No JWT configuration with this id.');
  return record;
}

/** A filename stem safe for Content-Disposition (ASCII letters, digits, dash). */
export function fileStem(name: string): string {
  const stem = name
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return stem || 'configuration';
}

/** The API view of a configuration, marked `zeroConfig` when it is the zero-config "Default". */
export async function viewOf(store: Store, record: JwtConfigurationRecord) {
  return configurationView(record, await zeroConfigConfigurationId(store));
}
