/**
 * Warnings from a create answer, carried across the navigation to the new configuration's page
 * (the create form moves on at once). Memory only, taken once: a reload does not bring them back,
 * and nothing lands in storage.
 */
import type { ApiWarning } from './types.js';

const pending = new Map<string, ApiWarning[]>();

/** Keeps `warnings` for the page of configuration `id` (nothing when there are none). */
export function holdWarnings(id: string, warnings: ApiWarning[] | undefined): void {
  if (warnings && warnings.length > 0) pending.set(id, warnings);
}

/** The warnings held for configuration `id`, removed as they are read. */
export function takeWarnings(id: string): ApiWarning[] {
  const found = pending.get(id) ?? [];
  pending.delete(id);
  return found;
}
