/**
 * Schemas several admin resources share: the `{ id }` path parameter, roles, and the time
 * filter of the audit and change lists. Request objects are strict (unknown fields are refused).
 */
import { z } from 'zod';

/** `{ id }` path parameter. */
export const IdParams = z.strictObject({ id: z.string().min(1).max(100) });

/** An account's (or an external JWT server's) role. */
export const Role = z.enum(['admin', 'read-only']);

/** A point in time: epoch milliseconds or an ISO-8601 date-time with offset. */
export const Time = z.union([
  z.coerce.number().int().nonnegative(),
  z.iso.datetime({ offset: true }),
]);

/** `{ items: [...] }`, the shape of every list response. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item) });
}
