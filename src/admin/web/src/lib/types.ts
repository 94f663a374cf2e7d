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
