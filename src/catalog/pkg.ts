/**
 * Metadata of a macOS flat installer package: a component package's PackageInfo, or a product
 * package's Distribution (title, product id/version, pkg-refs). Signed or not, the fields are
 * read from the xar table of contents and two small files at most.
 */
import { Budget } from './budget.js';
import type { ReadSource } from './byte-source.js';
import { readXarFiles, type XarLimits } from './xar.js';
import { findAll, findFirst, parseXml } from './xml-lite.js';

/** One component package a product installs. */
export interface PackageRef {
  id: string;
  version?: string;
}

/** Metadata read from a flat .pkg. */
export interface PkgMetadata {
  /** Product id, else the first component identifier (used as the manifest bundle-identifier). */
  bundleId?: string;
  version?: string;
  title?: string;
  installLocation?: string;
  /** 'component' (PackageInfo at the top) or 'product' (Distribution). */
  packageType?: 'component' | 'product';
  packages?: PackageRef[];
}

const TEXT_LIMIT = 4 * 1024 * 1024;

/**
 * Reads identifier, version, title and component packages of a flat package.
 * @throws CatalogError XAR_* / XML_INVALID for hostile or corrupt packages
 */
export async function readPkgMetadata(
  source: ReadSource,
  limits: XarLimits = {},
  budget: Budget = new Budget(),
): Promise<PkgMetadata> {
  const { files } = await readXarFiles(
    source,
    (e) => {
      if (e.path === 'Distribution') return 'distribution';
      if (e.path === 'PackageInfo') return 'packageinfo';
      if (/^[^/]+\/PackageInfo$/.test(e.path)) return `sub:${e.path}`;
      return undefined;
    },
    limits,
    budget,
  );
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  const dist = files.get('distribution');
  const subInfos = [...files.entries()]
    .filter(([k]) => k.startsWith('sub:'))
    .map(([, v]) => readPackageInfo(decode(v), budget));
  if (dist) return readDistribution(decode(dist), subInfos, budget);
  const info = files.get('packageinfo');
  if (!info) return {};
  const component = readPackageInfo(decode(info), budget);
  const meta: PkgMetadata = { packageType: 'component' };
  if (component.id) {
    meta.bundleId = component.id;
    meta.packages = [
      { id: component.id, ...(component.version ? { version: component.version } : {}) },
    ];
  }
  if (component.version) meta.version = component.version;
  if (component.installLocation) meta.installLocation = component.installLocation;
  if (component.id) meta.title = component.id;
  return meta;
}

interface PackageInfoFacts {
  id?: string;
  version?: string;
  installLocation?: string;
}

/** Reads `<pkg-info identifier version install-location>`. */
export function readPackageInfo(xml: string, budget: Budget = new Budget()): PackageInfoFacts {
  const root = parseXml(xml, { maxChars: TEXT_LIMIT }, budget);
  const el = findFirst(root, 'pkg-info');
  if (!el) return {};
  const out: PackageInfoFacts = {};
  if (el.attrs.identifier) out.id = el.attrs.identifier;
  if (el.attrs.version) out.version = el.attrs.version;
  if (el.attrs['install-location']) out.installLocation = el.attrs['install-location'];
  return out;
}

/** Reads a product Distribution: title, `<product>`, and de-duplicated `<pkg-ref>` ids. */
export function readDistribution(
  xml: string,
  components: PackageInfoFacts[] = [],
  budget: Budget = new Budget(),
): PkgMetadata {
  const root = parseXml(xml, { maxChars: TEXT_LIMIT }, budget);
  const meta: PkgMetadata = { packageType: 'product' };
  const title = findFirst(root, 'title')?.text.trim();
  const product = findFirst(root, 'product');
  const refs = new Map<string, PackageRef>();
  for (const ref of findAll(root, 'pkg-ref')) {
    const id = ref.attrs.id;
    if (!id || id.length > 512) continue;
    const prior = refs.get(id);
    const version =
      ref.attrs.version || prior?.version || components.find((c) => c.id === id)?.version;
    refs.set(id, version ? { id, version } : { id });
    if (refs.size >= 1000) break;
  }
  const packages = [...refs.values()];
  if (packages.length > 0) meta.packages = packages;
  meta.bundleId = product?.attrs.id || packages[0]?.id;
  meta.version = product?.attrs.version || packages[0]?.version;
  if (meta.bundleId === undefined) delete meta.bundleId;
  if (meta.version === undefined) delete meta.version;
  // Distribution titles are often localisation keys like SU_TITLE; keep what is there.
  if (title) meta.title = title;
  else if (meta.bundleId) meta.title = meta.bundleId;
  return meta;
}
