/**
 * What {@link startServer} takes and returns, on their own so that the single-process start
 * (serve.ts) and the cluster (cluster.ts) both depend on them without depending on each other.
 */
import type { Logger } from 'pino';
import type { AuditSink } from '../contracts/audit-sink.js';
import type { ContentExtensionInput } from '../contracts/content-extension.js';
import type { GraceStore } from '../contracts/grace-store.js';
import type { KeySource } from '../contracts/key-source.js';
import type { ServeConfig } from '../server/config.js';
import type { FileSystem } from '../server/files.js';
import type { AdminExtension } from '../server/types.js';

/** Options of {@link startServer}: any ServeConfig setting plus the pluggable parts. */
export interface ServeOptions extends Partial<ServeConfig> {
  keySource?: KeySource;
  auditSink?: AuditSink;
  /** Resume-grace first use shared between nodes (a PostgreSQL store); else per process. */
  graceStore?: GraceStore;
  adminExtensions?: AdminExtension[];
  /**
   * Extra content routes. In cluster mode every worker runs the entry script again and builds
   * its own; pass factories (`() => extension`) for anything holding per-process resources.
   */
  contentExtensions?: ContentExtensionInput[];
  /** Logger to use instead of a new pino logger on stdout. */
  logger?: Logger;
  /** Disk access for the file routes (tests inject a spy). */
  fileSystem?: FileSystem;
  /** Wall clock in ms (tests of expiry and resume grace). */
  clock?: () => number;
}

/** A started server. */
export interface RunningServer {
  /** Content listener base URL, e.g. `http://127.0.0.1:54321`. */
  url: string;
  /** Admin listener base URL, or null when disabled (or in a cluster worker). */
  adminUrl: string | null;
  config: ServeConfig;
  /** Reloads verification keys everywhere; rejects (old keys stay) when the new set is broken. */
  reloadKeys(): Promise<void>;
  /** Graceful stop: no new connections, running downloads get `shutdownTimeout`, then are cut. */
  close(): Promise<void>;
}
