/**
 * App manifests: the plist a device fetches (via itms-services, an MDM ManifestURL or a
 * declaration's ManifestURL) to learn where the software package is and what it is. Shapes follow
 * Apple's `other/manifesturl.yaml` (apple/device-management): items → assets + metadata, and only
 * keys it lists as supported (its `metadata.items`, `sizeInBytes` and `needs-shine` are marked
 * removed, so they are never emitted). test/catalog/fixtures/apple-schemas.json holds the keys.
 */
import { build } from 'plist';
import type { ChunkHashes } from './hash.js';

/** A manifest software-package asset. */
export interface ManifestAsset {
  kind: 'software-package';
  url: string;
  'md5-size'?: number;
  md5s?: string[];
  'sha256-size'?: number;
  sha256s?: string[];
}

/** Manifest item metadata. */
export interface ManifestMetadata {
  'bundle-identifier': string;
  'bundle-version': string;
  kind: 'software';
  title: string;
}

/** An app manifest: `{ items: [{ assets, metadata }] }`. */
export interface AppManifest {
  items: Array<{ assets: ManifestAsset[]; metadata: ManifestMetadata }>;
}

/** Inputs shared by both manifest builders. */
export interface ManifestInput {
  /** Tokenised download URL of the .ipa or .pkg. */
  url: string;
  bundleId: string;
  bundleVersion: string;
  title: string;
}

/**
 * Manifest for an in-house iOS/iPadOS app (.ipa), used by itms-services and InstallApplication.
 * @example buildAppManifest({ url, bundleId: 'com.example.app', bundleVersion: '1.2', title: 'App' })
 */
export function buildAppManifest(input: ManifestInput): AppManifest {
  const metadata: ManifestMetadata = {
    'bundle-identifier': input.bundleId,
    'bundle-version': input.bundleVersion,
    kind: 'software',
    title: input.title,
  };
  return { items: [{ assets: [{ kind: 'software-package', url: input.url }], metadata }] };
}

/**
 * Manifest for a macOS flat package (InstallEnterpriseApplication, the package declaration): the
 * asset carries both MD5 and SHA-256 chunk lists — Apple: a device that finds both uses only the
 * SHA-256 hashes; macOS before 11 only understands md5s. A product archive with several component
 * packages is still one item named by its top-level identifier: Apple's schema marks the old
 * per-component `metadata.items` list as removed.
 */
export function buildPackageManifest(input: ManifestInput & { chunks: ChunkHashes }): AppManifest {
  const asset: ManifestAsset = {
    kind: 'software-package',
    url: input.url,
    'md5-size': input.chunks.chunkSize,
    md5s: input.chunks.md5s,
    'sha256-size': input.chunks.chunkSize,
    sha256s: input.chunks.sha256s,
  };
  const metadata: ManifestMetadata = {
    'bundle-identifier': input.bundleId,
    'bundle-version': input.bundleVersion,
    kind: 'software',
    title: input.title,
  };
  return { items: [{ assets: [asset], metadata }] };
}

/**
 * Serialises a manifest or command dictionary as an XML property list. Every string (values and
 * keys) first loses the characters XML 1.0 cannot carry (see {@link xmlSafe}): they come from
 * uploaded metadata, and the XML builder throws on them, which would turn stored metadata into a
 * 500 on every manifest route.
 */
export function renderPlist(value: object): string {
  return build(xmlSafe(value) as Parameters<typeof build>[0]);
}

/**
 * Characters outside XML 1.0's `Char` production: C0 controls other than tab, LF and CR, lone
 * surrogates, U+FFFE and U+FFFF. With the `u` flag a lone surrogate is one code point here.
 */
const XML_FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** What a forbidden character becomes: U+FFFD, so the loss stays visible to whoever reads it. */
const REPLACEMENT = '\uFFFD';

/**
 * A deep copy of a plist value whose strings hold only characters XML 1.0 allows; numbers,
 * booleans, dates and binary data are kept as they are.
 * @example xmlSafe({ title: 'App\uFFFF' }) // { title: 'App\uFFFD' }
 */
export function xmlSafe(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(XML_FORBIDDEN, REPLACEMENT);
  if (Array.isArray(value)) return value.map(xmlSafe);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date || ArrayBuffer.isView(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[xmlSafe(k) as string] = xmlSafe(v);
  return out;
}

/**
 * The itms-services link that makes an iOS device fetch a manifest and offer the install.
 * The manifest URL (with its token) is percent-encoded as one query value.
 */
export function itmsServicesUrl(manifestUrl: string): string {
  return `itms-services://?action=download-manifest&url=${encodeURIComponent(manifestUrl)}`;
}
