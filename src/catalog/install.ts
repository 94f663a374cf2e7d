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
import { CatalogError } from './errors.js';
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

/** True when a manifest can be made for the record (apps and packages). */
export function hasManifest(record: ContentRecord): boolean {
  return record.kind === 'app' || record.kind === 'package';
}

/**
 * Builds the manifest dictionary for an app or package with the given (tokenised) download URL.
 * @throws CatalogError COMMAND_NOT_APPLICABLE for books and other files
 */
export function manifestFor(record: ContentRecord, downloadUrl: string): AppManifest {
  const m = record.metadata;
  const fileName = record.path.split('/').pop() ?? record.path;
  const base = {
    url: downloadUrl,
    bundleId: text(m, 'bundleId') ?? fileName,
    bundleVersion: text(m, 'version') ?? text(m, 'buildVersion') ?? '1.0',
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
    const packages = Array.isArray(m.packages)
      ? (m.packages as Array<{ id: string; version?: string }>)
      : [];
    return buildPackageManifest({ ...base, chunks, packages });
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
  ctx: { publicUrl: string; signUrl: UrlSigner; managementFlags?: number },
): Promise<MdmCommand> {
  if (!COMMANDS_BY_KIND[record.kind].includes(name)) {
    throw new CatalogError(
      'COMMAND_NOT_APPLICABLE',
      `${name} does not apply to ${record.kind} content.`,
    );
  }
  const flags = ctx.managementFlags === undefined ? {} : { managementFlags: ctx.managementFlags };
  if (name === 'InstallApplication') {
    return buildInstallApplicationCommand({
      manifestUrl: await ctx.signUrl(manifestUrlOf(ctx.publicUrl, record.path)),
      ...flags,
    });
  }
  const downloadUrl = await ctx.signUrl(contentUrl(ctx.publicUrl, record.path));
  if (name === 'InstallEnterpriseApplication') {
    return buildInstallEnterpriseApplicationCommand({
      manifest: manifestFor(record, downloadUrl),
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
  };
  if (hasManifest(record)) {
    links.manifestUrl = await ctx.signUrl(manifestUrlOf(ctx.publicUrl, record.path));
    if (record.kind === 'app') links.itmsServicesUrl = itmsServicesUrl(links.manifestUrl);
  }
  for (const name of COMMANDS_BY_KIND[record.kind])
    links.commands[name] = `${self}/commands/${name}.plist${q}`;
  return links;
}

/** What the QR code of a record encodes: the itms-services link for apps, else the download URL. */
export function qrTarget(links: InstallLinks): string {
  return links.itmsServicesUrl ?? links.downloadUrl;
}
