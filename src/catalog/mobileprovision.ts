/**
 * Reads the few facts an admin needs from `embedded.mobileprovision`: a CMS SignedData blob
 * whose eContent is an XML plist. Rather than parse CMS we locate the plist bytes between
 * `<?xml` and `</plist>` (bounded) — the signature is the device's business, not ours.
 */
import { Budget } from './budget.js';
import { CatalogError } from './errors.js';
import { plistString, plistValue, readPlistDict } from './plist-read.js';

/** What the catalog keeps from a provisioning profile. */
export interface ProvisioningProfileInfo {
  profileName?: string;
  teamName?: string;
  /** ISO 8601 expiry of the profile. */
  profileExpiresAt?: string;
  provisionedDevices?: number;
  provisionsAllDevices?: boolean;
}

const START = Buffer.from('<?xml');
const END = Buffer.from('</plist>');

/**
 * Extracts the XML plist from a provisioning profile and returns its summary.
 * @throws CatalogError PLIST_INVALID when no plist is embedded
 */
export function readProvisioningProfile(
  der: Uint8Array,
  budget: Budget = new Budget(),
): ProvisioningProfileInfo {
  const buf = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  const start = buf.indexOf(START);
  const end = start === -1 ? -1 : buf.indexOf(END, start);
  if (start === -1 || end === -1)
    throw new CatalogError('PLIST_INVALID', 'The provisioning profile holds no property list.');
  const dict = readPlistDict(buf.subarray(start, end + END.length), budget);
  const info: ProvisioningProfileInfo = {};
  const name = plistString(dict, 'Name');
  if (name !== undefined) info.profileName = name;
  const team = plistString(dict, 'TeamName');
  if (team !== undefined) info.teamName = team;
  const exp = plistValue(dict, 'ExpirationDate');
  if (exp instanceof Date && !Number.isNaN(exp.getTime()))
    info.profileExpiresAt = exp.toISOString();
  const devices = plistValue(dict, 'ProvisionedDevices');
  if (Array.isArray(devices)) info.provisionedDevices = devices.length;
  const all = plistValue(dict, 'ProvisionsAllDevices');
  if (typeof all === 'boolean') info.provisionsAllDevices = all;
  return info;
}

/** Days before expiry at which PROFILE_EXPIRES_SOON is raised. */
export const PROFILE_WARNING_DAYS = 30;

/** The warning code for a profile expiry relative to `now`, if any. */
export function profileExpiryWarning(
  expiresAt: string | undefined,
  now: number,
): 'PROFILE_EXPIRED' | 'PROFILE_EXPIRES_SOON' | undefined {
  if (expiresAt === undefined) return undefined;
  const t = Date.parse(expiresAt);
  if (Number.isNaN(t)) return undefined;
  if (t <= now) return 'PROFILE_EXPIRED';
  if (t - now < PROFILE_WARNING_DAYS * 86_400_000) return 'PROFILE_EXPIRES_SOON';
  return undefined;
}
