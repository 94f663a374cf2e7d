/**
 * The IPC protocol between the cluster primary and its content workers: one tagged union, so
 * both sides agree on every message they can see.
 */

import type { DownloadEvent } from '../contracts/download-event.js';
import type { GraceEntry } from '../server/grace.js';

/** Every message the primary and a worker exchange. */
export type ClusterMessage =
  | { portcullis: 'audit'; event: DownloadEvent }
  | { portcullis: 'grace-remember'; fingerprint: string; entry: GraceEntry }
  | { portcullis: 'grace-lookup'; id: number; fingerprint: string; path: string }
  | { portcullis: 'grace-result'; id: number; entry: GraceEntry | null }
  | { portcullis: 'reload-keys'; id: number }
  | { portcullis: 'reload-done'; id: number; ok: boolean; code?: string }
  | { portcullis: 'shutdown' }
  /** Worker → primary: this worker cannot serve; `code` is the ServeError (or key) code if any. */
  | { portcullis: 'start-failed'; code: string | null; message: string }
  /** Primary → workers: every listener (admin, all workers) is up; readyz may answer ready. */
  | { portcullis: 'ready' };

/** True for any message of the protocol (other IPC traffic, e.g. node:cluster's own, is ignored). */
export function isClusterMessage(m: unknown): m is ClusterMessage {
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof (m as { portcullis?: unknown }).portcullis === 'string'
  );
}

/**
 * Set in the environment of workers forked to replace a dead one: the rest of the cluster is
 * already up, so the new worker is ready as soon as it listens (no window of false 503s).
 */
export const CLUSTER_UP_ENV = 'PORTCULLIS_INTERNAL_CLUSTER_UP';
