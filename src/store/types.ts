/**
 * The Store contract: persistence behind a narrow, async interface.
 *
 * Every repository method returns a Promise: the SQLite implementation (src/store/sqlite.ts)
 * wraps node:sqlite, which is synchronous; the PostgreSQL one (src/store/postgres.ts) is not.
 * Times are ISO-8601 strings (UTC) unless a field name says `Ms` (epoch milliseconds).
 */

import type { ContentRepo } from '../contracts/content-catalog.js';
import type { DownloadEvent } from '../contracts/download-event.js';
import type { GraceStore } from '../contracts/grace-store.js';

// The catalog's record and repository are ports the catalog reads through; they live in
// src/contracts so the catalog needs no import of the store.
export type { ContentKind, ContentRecord, ContentRepo } from '../contracts/content-catalog.js';

/** A JWT configuration: one RSA signing key pair Jamf Pro uses; the private half is encrypted. */
export interface JwtConfigurationRecord {
  id: string /* uuid */;
  displayName: string;
  /** Opaque, from `encryptSecret(secret, pem, 'configuration:<id>')`. */
  privateKeyCiphertext: string;
  publicKeyPem: string;
  kid: string;
  fingerprint: string;
  keyBits: number;
  certificatePem: string | null;
  tokenExpirySeconds: number;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  rotatedAt: string | null;
  createdBy: string | null;
}

/** Role of a console/API user. */
export type AccountRole = 'admin' | 'read-only';

/** A console/admin-API user. `passwordHash` comes from `hashPassword` (src/store/passwords.ts). */
export interface AccountRecord {
  id: string;
  username: string;
  passwordHash: string;
  role: AccountRole;
  disabled: boolean;
  mustChangePassword: boolean;
  createdAt: string;
  lastLoginAt: string | null;
  /**
   * Session epoch: admin session tokens carry it and are refused once it moved on. `update`
   * increments it whenever the password, role or disabled flag changes; it starts at 0.
   */
  sessionEpoch: number;
}

/** A trusted external JWT issuer for admin-API logins (JWKS URL or shared secret). */
export interface JwtServerRecord {
  id: string;
  name: string;
  issuer: string;
  jwksUrl: string | null;
  /** Opaque, from `encryptSecret(secret, value, 'jwt-server:<id>')`. */
  sharedSecretCiphertext: string | null;
  audience: string;
  role: AccountRole;
  /** Claim that names the user; default 'sub'. */
  usernameClaim: string;
  /** Claims every token must carry, each equal to the string or one of the strings given. */
  requiredClaims: RequiredClaims;
  /** Longest accepted `exp - iat` of a token, in seconds; default 3600. */
  maxTokenLifetimeSeconds: number;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Claim name → the one accepted string, or the accepted strings. */
export type RequiredClaims = Record<string, string | string[]>;

/**
 * One stored download decision. Anonymous refusals (src/store/audit-policy.ts) are stored as
 * one row per minute, method, status, outcome, via and client network: such a row has
 * `count` > 1 once a second request joins it, keeps the first request's (capped) details as a
 * sample, and `lastTime` is the newest request it counts.
 */
export interface AuditEventRecord extends Omit<DownloadEvent, 'configurationId'> {
  id: number;
  configurationId: string | null;
  /** Requests this row stands for: 1 for a full row, >= 1 for an aggregated one. */
  count: number;
  /** Whether this row aggregates anonymous refusals. */
  aggregated: boolean;
  /** Time of the newest request counted (equals `time` when count is 1). */
  lastTime: number;
}

/**
 * Audit input: a download event, optionally attributed to a configuration. `count` and
 * `lastTime` let a sink hand over several anonymous refusals it already coalesced.
 */
export type AuditEventInput = Omit<DownloadEvent, 'configurationId'> & {
  configurationId?: string | null;
  /** Requests this input stands for; default 1. Only anonymous refusals may exceed 1. */
  count?: number;
  /** Newest time among them; default `time`. */
  lastTime?: number;
};

/** Filters for `audit.query`; results are newest first, keyset-paged on id. */
export interface AuditQuery {
  /** Exact path, or a prefix when it ends with `*`. */
  path?: string;
  outcome?: string;
  /** Inclusive lower bound: ISO string or epoch milliseconds. */
  since?: string | number;
  /** Exclusive upper bound: ISO string or epoch milliseconds. */
  until?: string | number;
  configurationId?: string;
  /** Default 100, max 1000. */
  limit?: number;
  /** Opaque; pass `nextCursor` from the previous page. */
  cursor?: string;
}

/**
 * Aggregates for the console dashboard, counted in requests (an aggregated row adds its count),
 * read from rollups maintained with every insert. `since` is the requested start rounded down
 * to the rollup grain (the hour when `bucketMs` is a whole number of hours, else the minute).
 * `topPaths` ranks successful downloads (status < 400) since the hour `since` falls in.
 */
export interface AuditStats {
  since: number;
  buckets: Array<{ t: number; ok: number; refused: number }>;
  byOutcome: Record<string, number>;
  topPaths: Array<{ path: string; count: number }>;
}

/** One administrative change (who did what), for the change log. */
export interface ChangeRecord {
  id: number;
  time: string;
  actor: string;
  /** e.g. 'configuration.create', 'account.delete'. */
  action: string;
  targetType: string;
  targetId: string | null;
  details: Record<string, unknown>;
}

/** Filters for `changes.query`; newest first, keyset-paged on id. */
export interface ChangeQuery {
  since?: string | number;
  actor?: string;
  action?: string;
  /** Default 100, max 1000. */
  limit?: number;
  cursor?: string;
}

/** A paged result; `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** JWT configurations (signing keys). */
export interface ConfigurationRepo {
  list(): Promise<JwtConfigurationRecord[]>;
  get(id: string): Promise<JwtConfigurationRecord | undefined>;
  /** Throws STORE_CONFLICT on a duplicate id or displayName. */
  create(
    r: Omit<JwtConfigurationRecord, 'createdAt' | 'updatedAt' | 'rotatedAt'>,
  ): Promise<JwtConfigurationRecord>;
  /** Bumps updatedAt; returns undefined when the id is unknown. */
  update(
    id: string,
    patch: Partial<Omit<JwtConfigurationRecord, 'id' | 'createdAt'>>,
  ): Promise<JwtConfigurationRecord | undefined>;
  delete(id: string): Promise<boolean>;
  /** Increments on every write; pollers compare it cheaply. */
  generation(): Promise<number>;
}

/** Console/admin-API users. */
export interface AccountRepo {
  list(): Promise<AccountRecord[]>;
  getByUsername(username: string): Promise<AccountRecord | undefined>;
  get(id: string): Promise<AccountRecord | undefined>;
  /** `id` defaults to a random UUID. Throws STORE_CONFLICT on a duplicate username. */
  create(
    r: Omit<AccountRecord, 'id' | 'createdAt' | 'lastLoginAt' | 'sessionEpoch'> & {
      id?: string;
      lastLoginAt?: string | null;
    },
  ): Promise<AccountRecord>;
  /**
   * Applies `patch`; when it sets a password, changes the role or flips `disabled`, the same
   * write increments `sessionEpoch` (ending earlier sessions). Undefined for an unknown id.
   */
  update(
    id: string,
    patch: Partial<Omit<AccountRecord, 'id' | 'createdAt' | 'sessionEpoch'>>,
  ): Promise<AccountRecord | undefined>;
  delete(id: string): Promise<boolean>;
  count(): Promise<number>;
}

/** Revoked admin session tokens (by jti) until they would have expired anyway. */
export interface RevokedTokenRepo {
  /** `expiresAt` in epoch seconds. Revoking twice is fine. */
  revoke(jti: string, expiresAt: number): Promise<void>;
  isRevoked(jti: string): Promise<boolean>;
  /** Removes entries with expiresAt <= nowSec; returns how many. */
  purgeExpired(nowSec: number): Promise<number>;
}

/** One sign-in throttle bucket as stored (times in epoch milliseconds). */
export interface ThrottleBucket {
  failures: number;
  inFlight: number;
  lockedUntil: number;
  lastFailure: number;
}

/**
 * Sign-in throttle buckets shared by every process on the store (PostgreSQL only). Keys are
 * opaque digests; the policy (budgets, delays) belongs to the caller.
 */
export interface ThrottleRepo {
  /**
   * Runs `fn` on the buckets of `keys` (fresh zero buckets for unknown keys), locked against
   * every other process until it returns, and stores what `fn` left in them. Reserved attempts
   * not settled within `inFlightMs` (a process died mid-check) stop counting.
   */
  update<T>(keys: string[], inFlightMs: number, fn: (buckets: ThrottleBucket[]) => T): Promise<T>;
  /** Deletes buckets untouched since `before` (epoch ms) with nothing locked or in flight. */
  prune(before: number): Promise<number>;
}

/** Trusted external JWT issuers. */
export interface JwtServerRepo {
  list(): Promise<JwtServerRecord[]>;
  get(id: string): Promise<JwtServerRecord | undefined>;
  getByIssuer(issuer: string): Promise<JwtServerRecord | undefined>;
  /** `id` defaults to a random UUID. Throws STORE_CONFLICT on a duplicate name or issuer. */
  /** `requiredClaims` defaults to none, `maxTokenLifetimeSeconds` to 3600. */
  create(
    r: Omit<
      JwtServerRecord,
      'id' | 'createdAt' | 'updatedAt' | 'requiredClaims' | 'maxTokenLifetimeSeconds'
    > &
      Partial<Pick<JwtServerRecord, 'requiredClaims' | 'maxTokenLifetimeSeconds'>> & {
        id?: string;
      },
  ): Promise<JwtServerRecord>;
  update(
    id: string,
    patch: Partial<Omit<JwtServerRecord, 'id' | 'createdAt'>>,
  ): Promise<JwtServerRecord | undefined>;
  delete(id: string): Promise<boolean>;
}

/** The download audit log. */
export interface AuditRepo {
  /**
   * Inserts a batch atomically, capping fields and folding anonymous refusals into their
   * aggregate rows (src/store/audit-policy.ts); updates the stats rollups in the same write.
   */
  insert(events: AuditEventInput[]): Promise<void>;
  query(q: AuditQuery): Promise<Page<AuditEventRecord>>;
  /** Buckets start at `since` (epoch ms) and are `bucketMs` wide; topPaths holds at most 10. */
  stats(q: { since: number; bucketMs: number }): Promise<AuditStats>;
  /**
   * Deletes events (and stats rollups) older than `timeMs` (epoch ms), in chunks that yield
   * between them; returns how many events.
   */
  purgeOlderThan(timeMs: number): Promise<number>;
  /**
   * Deletes the oldest events until at most `maxRows` remain, in chunks that yield between
   * them; returns how many. Stats rollups are kept: they count requests seen, not rows kept.
   */
  purgeBeyondRows(maxRows: number): Promise<number>;
  /** Rows currently stored (maintained incrementally; cheap). */
  rowCount(): Promise<number>;
}

/** The administrative change log. */
export interface ChangeRepo {
  record(c: Omit<ChangeRecord, 'id' | 'time'>): Promise<void>;
  query(q: ChangeQuery): Promise<Page<ChangeRecord>>;
}

/**
 * A manifest link: a long-lived, revocable credential that opens one catalog item's device
 * manifest (`/_portcullis/manifest/<path>.plist`) and nothing else. The token itself is never
 * stored: it is derived from the id and the store secret (src/store/link-token.ts); the row
 * keeps its fingerprint. Revoked rows are kept, so audit rows naming the link stay readable.
 */
export interface ManifestLinkRecord {
  id: string /* uuid */;
  /** The catalog item's path (relative to the content root, as `ContentRecord.path`). */
  contentPath: string;
  /** The JWT configuration whose key signs the short-lived download tokens inside the manifest. */
  configurationId: string;
  label: string;
  /** Short sha256 fingerprint of the link token (never the token). */
  fingerprint: string;
  createdAt: string;
  createdBy: string | null;
  expiresAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
  /** Last accepted manifest fetch, updated at most once a minute; null when never used. */
  lastUsedAt: string | null;
}

/** Manifest links (schema version 7 in SQLite, 9 in PostgreSQL). */
export interface ManifestLinkRepo {
  /** Oldest first; only the links of `contentPath` when given. */
  list(q?: { contentPath?: string }): Promise<ManifestLinkRecord[]>;
  get(id: string): Promise<ManifestLinkRecord | undefined>;
  /** Throws STORE_CONFLICT on a duplicate id. */
  create(
    r: Omit<ManifestLinkRecord, 'createdAt' | 'revokedAt' | 'revokedBy' | 'lastUsedAt'>,
  ): Promise<ManifestLinkRecord>;
  /** Revokes the link (a second revoke keeps the first time and actor); undefined when unknown. */
  revoke(id: string, by: string): Promise<ManifestLinkRecord | undefined>;
  /** Revokes every unrevoked link of an item; returns how many. */
  revokeForContent(contentPath: string, by: string): Promise<number>;
  /** Unrevoked, unexpired links of an item (for caps). */
  countActive(contentPath: string): Promise<number>;
  /** Sets `lastUsedAt` to now unless it was set less than `minIntervalMs` ago. */
  markUsed(id: string, minIntervalMs: number): Promise<void>;
}

/** Free-form key/value settings (e.g. 'auditRetentionDays'). */
export interface SettingsRepo {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/** The whole store. Obtain one with `openStore` (src/store/open.ts): SQLite or PostgreSQL. */
export interface Store {
  configurations: ConfigurationRepo;
  accounts: AccountRepo;
  revokedTokens: RevokedTokenRepo;
  jwtServers: JwtServerRepo;
  audit: AuditRepo;
  changes: ChangeRepo;
  content: ContentRepo;
  manifestLinks: ManifestLinkRepo;
  settings: SettingsRepo;
  /** Present when several processes share the store (PostgreSQL): the shared sign-in throttle. */
  throttle?: ThrottleRepo;
  /** Present when several processes share the store (PostgreSQL): resume-grace first use. */
  grace?: GraceStore;
  /**
   * Runs `fn` atomically: repository calls made inside it join one transaction,
   * which rolls back if `fn` rejects. Do not await unrelated I/O inside it.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Stores shared by several processes (PostgreSQL) push changes: `fn(topic)` runs soon after
   * another process commits a write to `topic` ('configurations'), or with 'resync' after the
   * notification channel was lost and came back. Pollers still poll: this only makes them early.
   */
  onChange?(fn: (topic: string) => void): () => void;
  /** Closes the underlying database; further calls reject with STORE_UNAVAILABLE. */
  close(): Promise<void>;
}
