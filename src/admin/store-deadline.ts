/**
 * A bound on how long a content-listener route waits for the shared store. The routes the admin
 * side adds to the listener (the device manifest with its links, the JWKS) read the store on
 * every request; a database that stops answering without closing the connection (a failover, a
 * dead route, a stalled network) would hold such a request until the socket's idle timeout:
 * node-postgres has no client-side query deadline, and `statement_timeout` needs a live server.
 * Past the bound the wait rejects with the store's `STORE_UNAVAILABLE`, which the listener
 * answers 503 with `Retry-After` (src/server/store-unavailable.ts). The abandoned query finishes
 * or fails on its own; its answer is dropped.
 */
import type { ContentExtension } from '../contracts/content-extension.js';
import { withinDeadline } from '../errors/deadline.js';
import { StoreError } from '../store/errors.js';

/**
 * How long one store wait of a listener route may take. A point read answers in milliseconds
 * even under load; a device (NSURLSession: 60 s) must get its 503 well before it gives up.
 */
export const LISTENER_STORE_DEADLINE_MS = 5000;

/**
 * `work`, or a `STORE_UNAVAILABLE` rejection once `ms` have passed without an answer.
 * @example await withinStoreDeadline(store.manifestLinks.get(id), 5000)
 */
export function withinStoreDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  return withinDeadline(
    work,
    ms,
    () => new StoreError('STORE_UNAVAILABLE', `The store did not answer within ${ms / 1000} s.`),
  );
}

/**
 * The extension with every wait the listener makes on it bounded: its own credential's check
 * (a manifest link's row) and its plan (catalog record, signing configuration, JWKS). Their only
 * asynchronous work is store reads, so a deadline that fires can only mean the store.
 * @example contentExtensions: [withStoreDeadline(jwksExtension(store))]
 */
export function withStoreDeadline(
  ext: ContentExtension,
  ms: number = LISTENER_STORE_DEADLINE_MS,
): ContentExtension {
  const credential = ext.credential;
  return {
    ...ext,
    ...(credential
      ? {
          credential: {
            recognizes: (token: string) => credential.recognizes(token),
            authenticate: (token: string, subject: string | null) =>
              withinStoreDeadline(credential.authenticate(token, subject), ms),
          },
        }
      : {}),
    plan: (request) => withinStoreDeadline(Promise.resolve(ext.plan(request)), ms),
  };
}
