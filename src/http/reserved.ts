/**
 * The content listener's own routes, in one table under one prefix, `/_portcullis/`. Nothing
 * under the prefix is ever content: the listener answers these routes or 404, and a request
 * whose decoded path falls under the prefix in any spelling (`%5F`, any letter case, as on
 * APFS) is refused before the disk is asked. Pure data, so the catalog can build manifest URLs
 * from the same table the listener routes by.
 */

/** Paths under this prefix belong to Portcullis itself, never to content. */
export const RESERVED_PREFIX = '/_portcullis/';

/** Names of the reserved routes. `manifest` is served by the catalog's content extension. */
export type ReservedRouteName = 'healthz' | 'readyz' | 'auth' | 'manifest';

/** One row of {@link RESERVED_ROUTES}. */
export interface ReservedRoute {
  name: ReservedRouteName;
  /** Exact path, or a prefix when it ends with `/` (the rest names content, e.g. a manifest). */
  path: string;
  /** Still answered for links already handed out; never generated. */
  deprecated?: true;
}

/**
 * Every reserved route. The one entry outside the prefix is a deprecated alias: devices and MDM
 * commands were given `/.portcullis/manifest/…` URLs before the routes moved under one prefix
 * (it is a dot path, so it could never have been content either).
 */
export const RESERVED_ROUTES: readonly ReservedRoute[] = Object.freeze([
  { name: 'healthz', path: `${RESERVED_PREFIX}healthz` },
  { name: 'readyz', path: `${RESERVED_PREFIX}readyz` },
  { name: 'auth', path: `${RESERVED_PREFIX}auth` },
  { name: 'manifest', path: `${RESERVED_PREFIX}manifest/` },
  { name: 'manifest', path: '/.portcullis/manifest/', deprecated: true },
]);

/** The path a route is generated with (its non-deprecated row). */
export function reservedPath(name: ReservedRouteName): string {
  return RESERVED_ROUTES.find((r) => r.name === name && r.deprecated !== true)!.path;
}

/** A raw request path matched against the table. */
export interface ReservedMatch {
  route: ReservedRoute;
  /** What follows a prefix route's path (still percent-encoded); '' for exact routes. */
  rest: string;
}

/**
 * Matches a raw (undecoded) request path: the route and the rest, or null when no route
 * matches. Callers refuse unmatched paths under {@link RESERVED_PREFIX} themselves.
 */
export function matchReserved(rawPath: string): ReservedMatch | null {
  for (const route of RESERVED_ROUTES) {
    if (route.path.endsWith('/')) {
      if (rawPath.startsWith(route.path)) return { route, rest: rawPath.slice(route.path.length) };
    } else if (rawPath === route.path) return { route, rest: '' };
  }
  return null;
}

const PREFIX_NAME = RESERVED_PREFIX.slice(0, -1).toLowerCase();

/**
 * Whether a decoded content path lies under the reserved prefix in any letter case, case folding
 * included (content roots on case-insensitive file systems would otherwise serve `/_PORTCULLIS/x`
 * or `/_portculliſ/x`). The catalog refuses to store such paths with the same test. Such a path is
 * never served as a file, whatever is on disk.
 */
export function isReservedContentPath(decodedPath: string): boolean {
  // Hot path (every download): no lower-casing unless the path starts like the prefix.
  if (decodedPath.charCodeAt(1) !== UNDERSCORE) return false;
  // Upper then lower folds what lower-casing alone keeps apart but case-insensitive volumes
  // (APFS) treat as one name: `ſ` (U+017F, long s) → `S` → `s`, so `/_portculliſ/` is the prefix
  // too. Over-folding (e.g. dotless `ı` → `i`) can only refuse more, never serve more.
  const lower = decodedPath.toUpperCase().toLowerCase();
  return lower === PREFIX_NAME || lower.startsWith(RESERVED_PREFIX);
}

const UNDERSCORE = 0x5f;

/**
 * Whether an extension may serve `path`: anything outside the prefix, and under it only a
 * reserved route's own path (which its deprecated aliases then reach too).
 */
export function mayExtensionServe(path: string): boolean {
  if (!path.startsWith(RESERVED_PREFIX)) return true;
  return RESERVED_ROUTES.some((r) => r.path === path && r.deprecated !== true);
}
