/**
 * Everything a device or an MDM needs to install one catalogued item, as pure data: tokenised
 * download and manifest URLs, the itms-services link, and the command payloads. The caller
 * supplies `signUrl` (which appends a fresh Jamf-shaped token) and the public base URL — never
 * the request's Host header.
 */
import { createHash } from 'node:crypto';
import type { ContentRecord } from '../contracts/content-catalog.js';
import { reservedPath } from '../http/reserved.js';
import {
  buildInstallApplicationCommand,
  buildInstallEnterpriseApplicationCommand,
  buildInstallMediaCommand,
  type InstallCommandName,
  type MdmCommand,
} from './commands.js';
import { encodeContentPath } from './content-path.js';
import { CATALOG_WARNINGS, CatalogError, type ContentWarning } from './errors.js';
import type { ChunkHashes } from './hash.js';
import {
  type AppManifest,
  buildAppManifest,
  buildPackageManifest,
  itmsServicesUrl,
} from './manifest.js';

/**
 * Path prefix on the content listener under which manifests are served: the `manifest` row of
 * the listener's reserved routes (`/_portcullis/manifest/`), never content.
 */
export const MANIFEST_ROUTE_PREFIX = reservedPath('manifest');

/** Which install commands apply to which kind. */
export const COMMANDS_BY_KIND: Record<ContentRecord['kind'], readonly InstallCommandName[]> = {
  app: ['InstallApplication'],
  package: ['InstallEnterpriseApplication', 'InstallApplication'],
  book: ['InstallMedia'],
  other: [],
};

/** Signs a URL for one configuration (adds `token=`). */
export type UrlSigner = (url: string) => Promise<string>;

/**
 * Why `url` cannot be a public base URL, or null when it can: an http(s) URL with no query and
 * no fragment (every download and manifest URL is built by appending a path and then
 * `?token=`, so a `?q=1` would swallow the path and a `#frag` would hide it and the token from
 * the server). Used by every place a public URL is accepted (serve config, flags, environment,
 * the `content link` and `content declaration` commands).
 * @example publicUrlProblem('https://dl.example.com/base?q=1') // 'must not have a query (?…)'
 */
export function publicUrlProblem(url: string): string | null {
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url))
    return 'expected an http:// or https:// URL';
  if (url.length > 2048) return 'must be at most 2048 characters';
  if (url.includes('?')) return 'must not have a query (?…)';
  if (url.includes('#')) return 'must not have a fragment (#…)';
  return null;
}

/** Untokenised download URL of a content path. */
export function contentUrl(publicUrl: string, path: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/${encodeContentPath(path)}`;
}

/** Untokenised device manifest URL of a content path (served by the manifest extension). */
export function manifestUrlOf(publicUrl: string, path: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${MANIFEST_ROUTE_PREFIX}${encodeContentPath(path)}.plist`;
}

function text(meta: Record<string, unknown>, key: string): string | undefined {
  const v = meta[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** True when the record is of a kind that has a manifest (apps and packages). */
export function hasManifest(record: ContentRecord): boolean {
  return record.kind === 'app' || record.kind === 'package';
}

/** Bundle identifier and version a caller gives for a file they could not be read from. */
export interface BundleValues {
  bundleId?: string;
  bundleVersion?: string;
}

/** The bundle identifier and version read from the file, where both were found. */
function readBundleValues(record: ContentRecord): BundleValues {
  const m = record.metadata;
  const bundleId = text(m, 'bundleId');
  const bundleVersion = text(m, 'version') ?? text(m, 'buildVersion');
  return {
    ...(bundleId === undefined ? {} : { bundleId }),
    ...(bundleVersion === undefined ? {} : { bundleVersion }),
  };
}

/**
 * True when a manifest can be made from the file alone: an app or package whose bundle
 * identifier and version were read. Devices fetch the manifest themselves, so nothing a caller
 * says can stand in for them there.
 */
export function manifestReady(record: ContentRecord): boolean {
  const v = readBundleValues(record);
  return hasManifest(record) && v.bundleId !== undefined && v.bundleVersion !== undefined;
}

/**
 * Builds the manifest dictionary for an app or package with the given (tokenised) download URL.
 * The bundle identifier and version come from the file, else from `given` (the caller's own
 * values, for InstallEnterpriseApplication's inline manifest); they are never made up: a device
 * or MDM would record a wrong identifier and version for the install.
 * @throws CatalogError COMMAND_NOT_APPLICABLE for books and other files; BUNDLE_VALUES_REQUIRED
 *   when the identifier or version is known neither from the file nor from `given`
 */
export function manifestFor(
  record: ContentRecord,
  downloadUrl: string,
  given: BundleValues = {},
): AppManifest {
  const m = record.metadata;
  const fileName = record.path.split('/').pop() ?? record.path;
  const read = readBundleValues(record);
  const bundleId = read.bundleId ?? given.bundleId;
  const bundleVersion = read.bundleVersion ?? given.bundleVersion;
  if (hasManifest(record) && (bundleId === undefined || bundleVersion === undefined)) {
    throw new CatalogError('BUNDLE_VALUES_REQUIRED');
  }
  const base = {
    url: downloadUrl,
    bundleId: bundleId ?? '',
    bundleVersion: bundleVersion ?? '',
    // The title is only what the device shows while installing; the file name is honest there.
    title: text(m, 'title') ?? fileName,
  };
  if (record.kind === 'app') return buildAppManifest(base);
  if (record.kind === 'package') {
    const chunks = m.chunkHashes as ChunkHashes | undefined;
    if (!chunks)
      throw new CatalogError(
        'COMMAND_NOT_APPLICABLE',
        'The package has no chunk hashes; run a rescan.',
      );
    return buildPackageManifest({ ...base, chunks });
  }
  throw new CatalogError(
    'COMMAND_NOT_APPLICABLE',
    'Manifests exist for apps (.ipa) and packages (.pkg) only.',
  );
}

/** A stable InstallMedia PersistentID: the EPUB identifier, else one derived from the path. */
export function persistentIdOf(record: ContentRecord): string {
  const id = text(record.metadata, 'identifier');
  if (id) return id;
  return `portcullis.book.${createHash('sha256').update(record.path).digest('hex').slice(0, 24)}`;
}

/**
 * Builds one install command for a record with freshly signed URLs.
 * @throws CatalogError COMMAND_NOT_APPLICABLE when the command does not fit the kind
 */
export async function commandFor(
  record: ContentRecord,
  name: InstallCommandName,
  ctx: {
    publicUrl: string;
    signUrl: UrlSigner;
    managementFlags?: number;
    /** Caller's values for a file they could not be read from (InstallEnterpriseApplication). */
    bundle?: BundleValues;
    /** InstallEnterpriseApplication by ManifestURL instead of the inline Manifest. */
    manifestUrl?: boolean;
    /** Pinning of the ManifestURL fetch (implies the ManifestURL form: Apple ignores it inline). */
    pinning?: { certs: Uint8Array[]; revocationCheckRequired?: boolean };
  },
): Promise<MdmCommand> {
  if (!COMMANDS_BY_KIND[record.kind].includes(name)) {
    throw new CatalogError(
      'COMMAND_NOT_APPLICABLE',
      `${name} does not apply to ${record.kind} content.`,
    );
  }
  const flags = ctx.managementFlags === undefined ? {} : { managementFlags: ctx.managementFlags };
  if (name === 'InstallApplication') {
    // The device fetches this manifest from the server later: it needs the file's own values.
    if (!manifestReady(record)) throw new CatalogError('BUNDLE_VALUES_REQUIRED');
    return buildInstallApplicationCommand({
      manifestUrl: await ctx.signUrl(manifestUrlOf(ctx.publicUrl, record.path)),
      ...flags,
    });
  }
  if (name === 'InstallEnterpriseApplication' && (ctx.manifestUrl || ctx.pinning)) {
    // As for InstallApplication: the device fetches the manifest itself, from the file's values.
    if (!manifestReady(record)) throw new CatalogError('BUNDLE_VALUES_REQUIRED');
    const pin = ctx.pinning;
    return buildInstallEnterpriseApplicationCommand({
      manifestUrl: await ctx.signUrl(manifestUrlOf(ctx.publicUrl, record.path)),
      ...(pin ? { manifestUrlPinningCerts: pin.certs } : {}),
      ...(pin?.revocationCheckRequired ? { pinningRevocationCheckRequired: true } : {}),
      ...flags,
    });
  }
  const downloadUrl = await ctx.signUrl(contentUrl(ctx.publicUrl, record.path));
  if (name === 'InstallEnterpriseApplication') {
    return buildInstallEnterpriseApplicationCommand({
      manifest: manifestFor(record, downloadUrl, ctx.bundle),
      ...flags,
    });
  }
  const m = record.metadata;
  const format = text(m, 'bookFormat');
  const title = text(m, 'title');
  const author = text(m, 'author');
  return buildInstallMediaCommand({
    mediaUrl: downloadUrl,
    persistentId: persistentIdOf(record),
    kind: format === 'pdf' || format === 'ibooks' ? format : 'epub',
    ...(title ? { title } : {}),
    ...(author ? { author } : {}),
    version: String(record.version),
  });
}

/** The install summary the API returns for one record. */
export interface InstallLinks {
  downloadUrl: string;
  manifestUrl?: string;
  itmsServicesUrl?: string;
  qrPng: string;
  qrSvg: string;
  commands: Partial<Record<InstallCommandName, string>>;
  /** What makes these links less than ready for devices (codes from CATALOG_WARNINGS). */
  warnings: ContentWarning[];
}

/** Warnings about a record's install links: insecure scheme, values that could not be read. */
export function installWarnings(record: ContentRecord, publicUrl: string): ContentWarning[] {
  const warnings: ContentWarning[] = [];
  // Devices refuse non-HTTPS manifests and itms-services links; say so before an admin finds out.
  if (/^http:/i.test(publicUrl)) {
    warnings.push({
      code: 'INSECURE_DEVICE_LINKS',
      message: CATALOG_WARNINGS.INSECURE_DEVICE_LINKS,
    });
  }
  if (hasManifest(record) && !manifestReady(record)) {
    warnings.push({
      code: 'BUNDLE_VALUES_MISSING',
      message: CATALOG_WARNINGS.BUNDLE_VALUES_MISSING,
    });
  }
  return warnings;
}

/**
 * Signs the device URLs and lists admin links (relative to `apiBase`, carrying `config`).
 * @example await planInstall(record, { publicUrl, signUrl, apiBase: '/api/v1/content', configId })
 */
export async function planInstall(
  record: ContentRecord,
  ctx: { publicUrl: string; signUrl: UrlSigner; apiBase: string; configId: string },
): Promise<InstallLinks> {
  const self = `${ctx.apiBase}/${encodeContentPath(record.path)}`;
  const q = `?config=${encodeURIComponent(ctx.configId)}`;
  const links: InstallLinks = {
    downloadUrl: await ctx.signUrl(contentUrl(ctx.publicUrl, record.path)),
    qrPng: `${self}/qr.png${q}`,
    qrSvg: `${self}/qr.svg${q}`,
    commands: {},
    warnings: installWarnings(record, ctx.publicUrl),
  };
  const ready = manifestReady(record);
  if (ready) {
    links.manifestUrl = await ctx.signUrl(manifestUrlOf(ctx.publicUrl, record.path));
    if (record.kind === 'app') links.itmsServicesUrl = itmsServicesUrl(links.manifestUrl);
  }
  for (const name of COMMANDS_BY_KIND[record.kind]) {
    // No link to a command that would be refused (its manifest cannot be made).
    if (name === 'InstallApplication' && hasManifest(record) && !ready) continue;
    links.commands[name] = `${self}/commands/${name}.plist${q}`;
  }
  return links;
}

/** What the QR code of a record encodes: the itms-services link for apps, else the download URL. */
export function qrTarget(links: InstallLinks): string {
  return links.itmsServicesUrl ?? links.downloadUrl;
}
