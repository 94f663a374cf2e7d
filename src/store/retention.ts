/**
 * Audit retention: deletes audit events older than N days (setting `auditRetentionDays`,
 * default 90; 0 keeps everything), then the oldest events beyond M rows (setting
 * `auditMaxRows`, default 1,000,000; 0 means no row limit), and revoked-token entries past
 * their expiry. Rows are size-capped (src/store/audit-policy.ts), so a row limit bounds the
 * bytes too, whatever a flood sends.
 */
import type { SinkLogger } from './audit-sink.js';
import type { Store } from './types.js';

/** Default audit retention in days. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 90;
/** Settings key holding the retention in days. */
export const AUDIT_RETENTION_SETTING = 'auditRetentionDays';

/** Default most audit rows kept. */
export const DEFAULT_AUDIT_MAX_ROWS = 1_000_000;
/** Settings key holding the most audit rows kept. */
export const AUDIT_MAX_ROWS_SETTING = 'auditMaxRows';

const DAY_MS = 86_400_000;

/** Reads the retention setting; a missing or malformed value means the default. */
export async function auditRetentionDays(store: Store): Promise<number> {
  const raw = await store.settings.get(AUDIT_RETENTION_SETTING);
  const days = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(days) && days >= 0 ? days : DEFAULT_AUDIT_RETENTION_DAYS;
}

/** Reads the row-limit setting; a missing or malformed value means the default. */
export async function auditMaxRows(store: Store): Promise<number> {
  const raw = await store.settings.get(AUDIT_MAX_ROWS_SETTING);
  const rows = raw === undefined ? Number.NaN : Number(raw);
  return Number.isSafeInteger(rows) && rows >= 0 ? rows : DEFAULT_AUDIT_MAX_ROWS;
}

/** Options for one retention pass or the periodic job. */
export interface RetentionOptions {
  /** Overrides the setting; 0 keeps audit events forever. */
  days?: number;
  /** Overrides the setting; 0 sets no row limit. */
  maxRows?: number;
  /** Clock (epoch ms); default Date.now. */
  now?: () => number;
}

/** One retention pass; returns how many rows each purge removed. */
export async function runRetention(
  store: Store,
  opts: RetentionOptions = {},
): Promise<{ auditPurged: number; auditTrimmed: number; revokedPurged: number }> {
  const now = (opts.now ?? Date.now)();
  const days = opts.days ?? (await auditRetentionDays(store));
  if (!Number.isFinite(days) || days < 0) throw new TypeError('retention days must be >= 0');
  const maxRows = opts.maxRows ?? (await auditMaxRows(store));
  if (!Number.isSafeInteger(maxRows) || maxRows < 0) {
    throw new TypeError('retention maxRows must be an integer >= 0');
  }
  const auditPurged = days > 0 ? await store.audit.purgeOlderThan(now - days * DAY_MS) : 0;
  const auditTrimmed = maxRows > 0 ? await store.audit.purgeBeyondRows(maxRows) : 0;
  const revokedPurged = await store.revokedTokens.purgeExpired(Math.floor(now / 1000));
  return { auditPurged, auditTrimmed, revokedPurged };
}

/**
 * Runs retention now and then every `intervalMs` (default 1 h) on an unref'd timer, so it
 * never keeps the process alive. Failures are logged and retried at the next interval.
 * @example const retention = startRetention(store, { logger }); … retention.stop();
 */
export function startRetention(
  store: Store,
  opts: RetentionOptions & { intervalMs?: number; logger?: SinkLogger } = {},
): { stop(): void; idle(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const pass = (): void => {
    running = runRetention(store, opts).then(
      () => undefined,
      (err: unknown) => opts.logger?.warn({ err }, 'audit retention failed'),
    );
  };
  pass();
  const timer = setInterval(pass, opts.intervalMs ?? 3_600_000);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    /** Resolves when the pass in progress (if any) has finished. */
    idle: () => running,
  };
}
