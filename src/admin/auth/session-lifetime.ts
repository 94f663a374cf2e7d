/**
 * The absolute lifetime of an admin session: how long after sign-in keep-alive may still renew
 * it. Kept in the store settings (PUT /api/v1/settings `sessionMaxHours`) so every process that
 * shares the data directory enforces the same limit, and a lowered value applies at once.
 */
import type { Store } from '../../store/types.js';

/** Setting name of the absolute session lifetime, in hours. */
export const SESSION_MAX_HOURS_SETTING = 'sessionMaxHours';
/** Default absolute session lifetime: one working day. */
export const DEFAULT_SESSION_MAX_HOURS = 12;
/** Bounds accepted by the settings API: at least one token lifetime, at most 30 days. */
export const MIN_SESSION_MAX_HOURS = 1;
export const MAX_SESSION_MAX_HOURS = 720;

/** The configured absolute session lifetime in hours (the default when unset or invalid). */
export async function sessionMaxHours(store: Store): Promise<number> {
  const hours = Number(await store.settings.get(SESSION_MAX_HOURS_SETTING));
  return Number.isInteger(hours) && hours >= MIN_SESSION_MAX_HOURS && hours <= MAX_SESSION_MAX_HOURS
    ? hours
    : DEFAULT_SESSION_MAX_HOURS;
}

/** The configured absolute session lifetime in seconds. */
export async function sessionMaxSeconds(store: Store): Promise<number> {
  return (await sessionMaxHours(store)) * 3600;
}
