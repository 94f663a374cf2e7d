/**
 * Metadata of an iOS/iPadOS/tvOS app archive (.ipa): the main bundle's Info.plist and its
 * embedded provisioning profile, read bounded from the zip without extracting it.
 */
import type { PlistData } from './bplist.js';
import { Budget } from './budget.js';
import type { ReadSource } from './byte-source.js';
import { CatalogError } from './errors.js';
import { type ProvisioningProfileInfo, readProvisioningProfile } from './mobileprovision.js';
import { type PlistDict, plistArray, plistString, readPlistDict } from './plist-read.js';
import { readZipEntries, type ZipLimits } from './zip.js';

/** Metadata read from an .ipa. */
export interface IpaMetadata extends ProvisioningProfileInfo {
  bundleId?: string;
  version?: string;
  buildVersion?: string;
  title?: string;
  minimumOsVersion?: string;
  platforms?: string[];
}

// Only the main app bundle: Payload/<name>.app/… exactly one level deep (not PlugIns/ or Watch/).
const INFO = /^Payload\/([^/]+\.app)\/Info\.plist$/;
const PROFILE = /^Payload\/([^/]+\.app)\/embedded\.mobileprovision$/;

/**
 * Reads bundle id, versions, title, minimum OS, platforms and provisioning profile facts.
 * @throws CatalogError ZIP_* for hostile archives, ZIP_ENTRY_MISSING without Info.plist, PLIST_*.
 */
export async function readIpaMetadata(
  source: ReadSource,
  limits: ZipLimits = {},
  budget: Budget = new Budget(),
): Promise<IpaMetadata> {
  let app: string | undefined;
  const entries = await readZipEntries(
    source,
    (name) => {
      const info = INFO.exec(name);
      if (info && (app === undefined || app === info[1])) {
        app = info[1];
        return 'info';
      }
      const profile = PROFILE.exec(name);
      if (profile && (app === undefined || app === profile[1])) return 'profile';
      return undefined;
    },
    limits,
    budget,
  );
  const infoBytes = entries.get('info');
  if (!infoBytes)
    throw new CatalogError(
      'ZIP_ENTRY_MISSING',
      'The archive has no Payload/<name>.app/Info.plist.',
    );
  const meta = infoPlistMetadata(readPlistDict(infoBytes, budget));
  const profileBytes = entries.get('profile');
  if (profileBytes) Object.assign(meta, readProvisioningProfile(profileBytes, budget));
  return meta;
}

/** Maps Info.plist keys to catalog metadata fields. */
export function infoPlistMetadata(dict: PlistDict): IpaMetadata {
  const meta: IpaMetadata = {};
  const set = <K extends keyof IpaMetadata>(key: K, value: IpaMetadata[K] | undefined) => {
    if (value !== undefined && value !== '') meta[key] = value;
  };
  set('bundleId', plistString(dict, 'CFBundleIdentifier'));
  set('version', plistString(dict, 'CFBundleShortVersionString'));
  set('buildVersion', plistString(dict, 'CFBundleVersion'));
  set('title', plistString(dict, 'CFBundleDisplayName') || plistString(dict, 'CFBundleName'));
  set(
    'minimumOsVersion',
    plistString(dict, 'MinimumOSVersion') ?? plistString(dict, 'LSMinimumSystemVersion'),
  );
  const platforms = platformsOf(
    plistArray(dict, 'UIDeviceFamily'),
    plistArray(dict, 'CFBundleSupportedPlatforms'),
  );
  if (platforms.length > 0) meta.platforms = platforms;
  return meta;
}

const FAMILY: Record<number, string> = {
  1: 'iPhone',
  2: 'iPad',
  3: 'tvOS',
  4: 'watchOS',
  7: 'visionOS',
};

function platformsOf(families: PlistData[], supported: PlistData[]): string[] {
  const out = new Set<string>();
  for (const f of families) {
    const name = typeof f === 'number' ? FAMILY[f] : undefined;
    if (name) out.add(name);
  }
  for (const s of supported) if (typeof s === 'string' && s.length <= 64) out.add(s);
  return [...out];
}
