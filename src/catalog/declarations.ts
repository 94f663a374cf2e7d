/**
 * Declarative device management: the declarations an MDM sends for one catalogued item, as pure
 * data. `com.apple.configuration.package` (macOS 26, a .pkg) and
 * `com.apple.configuration.app.managed` (iOS 17.2+/visionOS 2.4+ with ManifestURL, an .ipa) hold
 * a ManifestURL for as long as the declaration exists, so the caller passes a manifest-link URL
 * (long-lived, revocable, opening only this item's manifest), never a short-lived download
 * token. `com.apple.asset.data` points at the file route itself with `Authentication: MDM`: the
 * device presents its MDM identity certificate, no token is baked in. Keys and types follow
 * Apple's schema files (apple/device-management); test/catalog/apple/schemas.json holds them.
 */
import { createHash } from 'node:crypto';
import type { ContentRecord } from '../contracts/content-catalog.js';
import { contentTypeFor } from '../http/content-type.js';
import { CatalogError } from './errors.js';
import { contentUrl, manifestReady } from './install.js';

/** The declarations Portcullis exports, by short name. */
export const DECLARATION_TYPES = {
  package: 'com.apple.configuration.package',
  'app.managed': 'com.apple.configuration.app.managed',
  'asset.data': 'com.apple.asset.data',
} as const;
/** A short declaration name (`package`, `app.managed`, `asset.data`). */
export type DeclarationKind = keyof typeof DECLARATION_TYPES;

/** Which declarations fit which content kind. */
export const DECLARATIONS_BY_KIND: Record<ContentRecord['kind'], readonly DeclarationKind[]> = {
  app: ['app.managed', 'asset.data'],
  package: ['package', 'asset.data'],
  book: ['asset.data'],
  other: ['asset.data'],
};

/** `InstallBehavior.Install` (Apple's default: Optional). */
export type InstallMode = 'Optional' | 'Required';
/** `UpdateBehavior.AutomaticAppUpdates` (app.managed; iOS/visionOS 26). */
export type AutomaticAppUpdates = 'AlwaysOn' | 'AlwaysOff' | 'StoreSettings';

/** A declaration as the device-management protocol carries it. */
export interface Declaration {
  Type: (typeof DECLARATION_TYPES)[DeclarationKind];
  Identifier: string;
  ServerToken: string;
  Payload: Record<string, unknown>;
}

/** The admin's choices for one declaration; each key is emitted only when given. */
export interface DeclarationOptions {
  /** Declaration identifier; default `portcullis.<kind>.<hash of the content path>`. */
  identifier?: string | undefined;
  /** package, app.managed: `InstallBehavior.Install`. */
  install?: InstallMode | undefined;
  /** app.managed: `UpdateBehavior.AutomaticAppUpdates`. */
  automaticAppUpdates?: AutomaticAppUpdates | undefined;
  /** app.managed: `IncludeInBackup` (iOS/visionOS). */
  includeInBackup?: boolean | undefined;
}

/**
 * The identifier a declaration gets when the admin names none: stable for the content path, so
 * a re-export replaces the declaration on the device instead of adding a second one.
 * @example defaultDeclarationIdentifier('package', 'mac/Agent.pkg') // 'portcullis.package.3f…'
 */
export function defaultDeclarationIdentifier(kind: DeclarationKind, path: string): string {
  return `portcullis.${kind}.${createHash('sha256').update(path).digest('hex').slice(0, 24)}`;
}

/** JSON with object keys sorted at every level: the same content always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The ServerToken of a declaration: SHA-256 over its Type, Identifier and Payload and over what
 * the item installs (the file's SHA-256). The same export gives the same token; a changed key,
 * manifest link or file gives a new one, which is how a device learns to apply it again.
 */
export function serverTokenOf(
  declaration: Omit<Declaration, 'ServerToken'>,
  record: Pick<ContentRecord, 'sha256'>,
): string {
  const { Type, Identifier, Payload } = declaration;
  return createHash('sha256')
    .update(canonicalJson({ Type, Identifier, Payload, content: record.sha256 }))
    .digest('hex');
}

function finish(
  kind: DeclarationKind,
  record: ContentRecord,
  payload: Record<string, unknown>,
  opts: DeclarationOptions,
): Declaration {
  const base = {
    Type: DECLARATION_TYPES[kind],
    Identifier: opts.identifier ?? defaultDeclarationIdentifier(kind, record.path),
    Payload: payload,
  };
  return { ...base, ServerToken: serverTokenOf(base, record) };
}

/**
 * A package or managed-app declaration whose ManifestURL is `manifestUrl` (a manifest link).
 * @throws CatalogError DECLARATION_NOT_APPLICABLE when the kind does not fit the content;
 *   BUNDLE_VALUES_REQUIRED when the file's identifier and version are unknown (the device
 *   fetches the manifest itself, so nothing can stand in for them)
 * @example manifestDeclaration(record, 'package', linkUrl, { install: 'Required' })
 */
export function manifestDeclaration(
  record: ContentRecord,
  kind: 'package' | 'app.managed',
  manifestUrl: string,
  opts: DeclarationOptions = {},
): Declaration {
  if (!DECLARATIONS_BY_KIND[record.kind].includes(kind))
    throw new CatalogError('DECLARATION_NOT_APPLICABLE');
  if (!manifestReady(record)) throw new CatalogError('BUNDLE_VALUES_REQUIRED');
  const payload: Record<string, unknown> = { ManifestURL: manifestUrl };
  if (opts.install) payload.InstallBehavior = { Install: opts.install };
  if (kind === 'app.managed') {
    if (opts.automaticAppUpdates)
      payload.UpdateBehavior = { AutomaticAppUpdates: opts.automaticAppUpdates };
    if (opts.includeInBackup !== undefined) payload.IncludeInBackup = opts.includeInBackup;
  }
  return finish(kind, record, payload, opts);
}

/**
 * A `com.apple.asset.data` declaration for the file itself: DataURL is the plain file URL (no
 * token), `Authentication: MDM` makes the device present its MDM identity certificate, and
 * Size and Hash-SHA-256 let it check what it got. Other configurations refer to it by
 * Identifier (an app's AppConfig DataAssetReference, services.configuration-files, …).
 */
export function assetDataDeclaration(
  record: ContentRecord,
  publicUrl: string,
  opts: Pick<DeclarationOptions, 'identifier'> = {},
): Declaration {
  const name = record.path.split('/').pop() ?? record.path;
  const payload = {
    Reference: {
      DataURL: contentUrl(publicUrl, record.path),
      ContentType: contentTypeFor(name),
      Size: record.size,
      'Hash-SHA-256': record.sha256,
    },
    Authentication: { Type: 'MDM' },
  };
  return finish('asset.data', record, payload, opts);
}
