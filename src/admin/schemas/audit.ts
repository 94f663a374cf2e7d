/**
 * Schemas of the audit log, its statistics, the change log and server settings.
 */
import { z } from 'zod';
import { MAX_SESSION_MAX_HOURS, MIN_SESSION_MAX_HOURS } from '../auth/session-lifetime.js';
import { Time } from './common.js';

/** GET /api/v1/audit */
export const AuditQueryParams = z.strictObject({
  path: z.string().max(4096).optional(),
  outcome: z.string().max(64).optional(),
  since: Time.optional(),
  until: Time.optional(),
  configurationId: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(200).optional(),
});

/** GET /api/v1/audit/stats */
export const AuditStatsParams = z.strictObject({
  since: Time.optional(),
  bucket: z.enum(['1m', '5m', '15m', '1h', '6h', '1d']).default('1h'),
});

/** GET /api/v1/changes */
export const ChangesQueryParams = z.strictObject({
  since: Time.optional(),
  actor: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(200).optional(),
});

/** GET/PUT /api/v1/settings */
export const SettingsBody = z.strictObject({
  /** Days of audit history to keep; 0 keeps everything. */
  auditRetentionDays: z.number().int().min(0).max(3650).optional(),
  /** Most audit rows kept (oldest go first); 0 sets no row limit. */
  auditMaxRows: z.number().int().min(0).max(1_000_000_000).optional(),
  /** Age in days after which the console flags a configuration's key for rotation. */
  keyRotationDays: z.number().int().min(1).max(3650).optional(),
  /** Absolute lifetime of an admin session in hours: keep-alive never renews past it. */
  sessionMaxHours: z
    .number()
    .int()
    .min(MIN_SESSION_MAX_HOURS)
    .max(MAX_SESSION_MAX_HOURS)
    .optional(),
});

/** Settings as returned (with defaults filled in). */
export const SettingsView = z.object({
  auditRetentionDays: z.number(),
  auditMaxRows: z.number(),
  keyRotationDays: z.number(),
  sessionMaxHours: z.number(),
});

/** Setting name and default of the key rotation age the dashboard warns about. */
export const KEY_ROTATION_SETTING = 'keyRotationDays';
export const DEFAULT_KEY_ROTATION_DAYS = 365;
