/**
 * What the admin plugin hands its route plugins. Each route plugin is encapsulated and gets only
 * the dependencies it names in its options: nothing is decorated onto a Fastify instance, so no
 * sibling, parent or host route (metrics, content extensions) can reach the store secret, the
 * signer or the store through the instance. Only the plugins that mint (configurations, content,
 * tools) receive the signer, the one path to a configuration's private key.
 */
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { AccountRole, Store } from '../store/types.js';
import { actorOf } from './actor.js';
import { redactDetails } from './redact.js';

/** Route guards; each runs before body and query validation (see guardBeforeValidation). */
export interface Guards {
  /** Requires a valid bearer token; sets `request.principal`. */
  authenticate: preHandlerAsyncHookHandler;
  /** Authenticates, then requires `role` (read-only accounts may only GET/HEAD). */
  requireRole(role: AccountRole): preHandlerAsyncHookHandler;
  /** Authenticates, then asks the signer whether the caller may mint (SIGNING_FORBIDDEN). */
  requireSigning: preHandlerAsyncHookHandler;
}

/** Writes one change-log entry for the request's caller (details are redacted first). */
export type RecordChange = (
  request: FastifyRequest,
  action: string,
  targetType: string,
  targetId: string | null,
  details?: Record<string, unknown>,
) => Promise<void>;

/** What every admin route plugin gets. */
export interface RouteDeps {
  store: Store;
  guards: Guards;
  recordChange: RecordChange;
  /** Clock in epoch ms (tests freeze it). */
  now: () => number;
}

/** The change log writer of `store`. */
export function changeRecorder(store: Store): RecordChange {
  return async (request, action, targetType, targetId, details = {}) => {
    await store.changes.record({
      actor: actorOf(request.principal),
      action,
      targetType,
      targetId,
      details: redactDetails(details),
    });
  };
}
