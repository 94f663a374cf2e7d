/**
 * Paging of GET /api/v1/content. Without `limit` the whole catalog comes back as before (the
 * console's shape); with it, at most `limit` records in path order, and `x-next-cursor` (as on
 * the audit list) names where the next page starts. The cursor is the last path, base64url: a
 * rename between pages skips or repeats nothing else.
 */
import { z } from 'zod';
import type { ContentRecord } from '../../store/types.js';

/** Largest page a client may ask for. */
export const MAX_CONTENT_PAGE = 500;

/** Query of GET /api/v1/content. */
export const ContentListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_CONTENT_PAGE).optional(),
  cursor: z
    .string()
    .max(8192)
    .regex(/^[A-Za-z0-9_-]*$/)
    .optional(),
});
/** Parsed {@link ContentListQuery}. */
export type ContentListQuery = z.infer<typeof ContentListQuery>;

/**
 * One page of `records` in path order (code-unit order, stable across requests).
 * @example contentPage(records, { limit: 50 }) // { items: [...50], nextCursor: 'L2EvYi5pcGE' }
 */
export function contentPage(
  records: readonly ContentRecord[],
  query: ContentListQuery,
): { items: ContentRecord[]; nextCursor?: string } {
  const sorted = [...records].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const after = query.cursor ? Buffer.from(query.cursor, 'base64url').toString('utf8') : undefined;
  const from = after === undefined ? sorted : sorted.filter((r) => r.path > after);
  if (query.limit === undefined || from.length <= query.limit) return { items: from };
  const items = from.slice(0, query.limit);
  return { items, nextCursor: Buffer.from(items.at(-1)!.path, 'utf8').toString('base64url') };
}
