/** Shapes of the admin API responses the console reads (docs/admin-api.md is the reference). */

/** `GET /api/v1/auth`. */
export interface WhoAmI {
  username: string;
  role: 'admin' | 'read-only';
  expires: string | number;
  mustChangePassword: boolean;
}

/** A JWT configuration as the API returns it (never the private key). */
export interface Configuration {
  id: string;
  displayName: string;
  fingerprint: string;
  kid: string;
  keyBits: number;
  publicKeyPem: string;
  jwk: Record<string, unknown>;
  certificatePem: string | null;
  tokenExpiry: string;
  tokenExpirySeconds: number;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  rotatedAt: string | null;
  /** The "Default" configuration the zero-config start created. */
  zeroConfig?: boolean;
}

/**
 * A warning in an admin API answer: the request succeeded, but something needs the admin's eye
 * (`KEY_ALREADY_CONFIGURED` on create/rotate; `INSECURE_DEVICE_LINKS`, `BUNDLE_VALUES_MISSING` on
 * install links). `configurations` names the other configurations a key warning is about.
 */
export interface ApiWarning {
  code: string;
  message: string;
  configurations?: Array<{ id: string; displayName: string }>;
}

/** The answer to creating or rotating a configuration. */
export type ConfigurationAnswer = Configuration & { warnings?: ApiWarning[] };

/** A local account (`/api/v1/accounts`, admin only). */
export interface Account {
  id: string;
  username: string;
  role: 'admin' | 'read-only';
  disabled: boolean;
  mustChangePassword: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

/** An external JWT server (`/api/v1/jwt-servers`, admin only; the shared secret is never returned). */
export interface JwtServer {
  id: string;
  name: string;
  issuer: string;
  jwksUrl: string | null;
  hasSharedSecret: boolean;
  audience: string;
  role: 'admin' | 'read-only';
  usernameClaim: string;
  requiredClaims: Record<string, string | string[]>;
  maxTokenLifetimeSeconds: number;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  warnings: string[];
}

/** `POST /api/v1/jwt-servers/{id}/test`. */
export interface JwtServerTest {
  keys: {
    ok: boolean;
    source: 'jwks' | 'shared-secret';
    code: string;
    message: string;
    keys: Array<{ kid: string | null; kty: string; alg: string | null; usable: boolean }>;
  };
  token: {
    accepted: boolean;
    code: string;
    message: string;
    principal: { username: string; role: string } | null;
    expiresAt: string | null;
  } | null;
}

/** One audit event. */
export interface AuditItem {
  id: number | string;
  time: string | number;
  method: string;
  path: string;
  status: number;
  outcome: string;
  bytesSent: number;
  clientAddress: string;
  tokenFingerprint?: string | null;
  /** The device certificate (TLS client certificate) that admitted or was refused, if any. */
  clientCertSubject?: string | null;
  clientCertSerial?: string | null;
  clientCertIssuer?: string | null;
  configurationId?: string | null;
  via: string;
  /** Requests the row stands for; > 1 only on aggregated anonymous refusals. */
  count?: number;
  /** The row folds anonymous refusals of one minute and client network (a sample + a count). */
  aggregated?: boolean;
  lastTime?: string | number;
}

/** `GET /api/v1/audit/stats`. */
export interface AuditStats {
  /** The start the server used (rounded to its rollup grain). */
  since?: number;
  buckets: Array<{ t: number | string; ok: number; refused: number }>;
  byOutcome: Record<string, number>;
  topPaths: Array<{ path: string; count: number }>;
}

/** One catalog item (metadata fields flattened by the API). */
export interface ContentItem {
  path: string;
  size: number;
  sha256: string;
  kind: 'app' | 'package' | 'book' | 'other';
  bundleId?: string;
  version?: string | number;
  buildVersion?: string;
  title?: string;
  minimumOsVersion?: string;
  /** Device families an app declares (iPhone, iPad, …). */
  platforms?: string[];
  profileExpiresAt?: string;
  warnings?: Array<string | { code: string; message?: string }>;
  metadata?: Record<string, unknown>;
  updatedAt?: string;
}

/** `GET /api/v1/content/{path}/install`. */
export interface InstallInfo {
  downloadUrl: string;
  manifestUrl?: string;
  itmsServicesUrl?: string;
  qrPng?: string;
  qrSvg?: string;
  commands?: Record<string, string>;
  /** What makes these links less than ready for devices (absent from older servers). */
  warnings?: ApiWarning[];
}

/** `POST /api/v1/tools/inspect`. */
export interface Inspection {
  header: Record<string, unknown> | null;
  claims: Record<string, unknown> | null;
  times?: Record<string, unknown>;
  checks: Array<{ name: string; ok: boolean | null; code?: string; message: string }>;
}

/** Lists may come bare or wrapped as `{items}`. */
export function itemsOf<T>(value: T[] | { items?: T[] } | undefined): T[] {
  if (!value) return [];
  return Array.isArray(value) ? value : (value.items ?? []);
}
