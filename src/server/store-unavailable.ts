/**
 * The listener's answer when a route awaited the shared store (SQLite or PostgreSQL, reached
 * only through ports: a manifest link's row, a catalog record, the JWKS) and the store could not
 * be reached or did not answer in time. The store says so with its coded `STORE_UNAVAILABLE`;
 * the listener answers 503 `STORE_UNAVAILABLE` with `Retry-After`, one prepared refusal whose
 * bytes depend on nothing the request named, so a device tries again later and learns nothing
 * about which links or items exist. It is never an admission and never a token refusal:
 * `LINK_REFUSED` would tell the device (and an MDM watching it) that its link is dead.
 */
import type { ServerResponse } from 'node:http';
import { isPortcullisError } from '../errors/base.js';
import type { ContentContext, RequestRecord } from './context.js';
import { sendRefusal, serveRefusal } from './respond.js';

/** Seconds a device is asked to wait: a database restart or failover, not a slow request. */
export const STORE_RETRY_AFTER_SECONDS = 5;

const REFUSAL = serveRefusal('STORE_UNAVAILABLE', {
  'retry-after': String(STORE_RETRY_AFTER_SECONDS),
});

/**
 * Whether `err` says the shared store is away: a coded `STORE_UNAVAILABLE` (the store's own,
 * or a port's that reports the same condition). Anything else is a bug and stays a 500.
 */
export function isStoreUnavailable(err: unknown): boolean {
  return isPortcullisError(err) && err.code === 'STORE_UNAVAILABLE';
}

/**
 * Records, counts, logs (the store's code and message, never the request's URL or token: the
 * access-log line has the redacted URL) and answers 503 `STORE_UNAVAILABLE` with `Retry-After`.
 */
export function refuseStoreUnavailable(
  ctx: ContentContext,
  res: ServerResponse,
  method: string | undefined,
  rec: RequestRecord,
  err: unknown,
): void {
  rec.outcome = 'STORE_UNAVAILABLE';
  ctx.metrics.storeUnavailable.inc();
  ctx.logger.error(
    { code: 'STORE_UNAVAILABLE', via: rec.via, ...storeFailure(err) },
    'shared store unavailable: answered 503, the device is asked to retry',
  );
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendRefusal(res, method, REFUSAL);
}

/**
 * What the log may say about the failure: the store's message (user-safe by contract: no token,
 * secret or path) and the underlying driver code (`ECONNREFUSED`, `57P01`), not its message.
 */
function storeFailure(err: unknown): { detail: string; cause?: string } {
  const detail = err instanceof Error ? err.message : 'The store is unavailable.';
  const code = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' ? { detail, cause: code } : { detail };
}
