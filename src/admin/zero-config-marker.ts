/**
 * The store's record of the zero-config key import: a setting holding the id of the
 * configuration ("Default") that the first zero-config start created. The API marks that
 * configuration `zeroConfig: true` so the console can tell it from the admin's own keys.
 */
import type { Store } from '../store/types.js';

/** Setting that records that the zero-config key was imported (JSON: configuration id, time). */
export const ZERO_CONFIG_SETTING = 'zeroConfig.keyImported';

/** The zero-config configuration's id from the marker, if any. */
export async function zeroConfigConfigurationId(store: Store): Promise<string | null> {
  const raw = await store.settings.get(ZERO_CONFIG_SETTING);
  if (raw === undefined) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    const id =
      typeof parsed === 'object' && parsed !== null && 'configurationId' in parsed
        ? parsed.configurationId
        : undefined;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}
