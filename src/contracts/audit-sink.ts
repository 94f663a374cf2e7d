/** The port download events leave the listener through (the store's audit log, or a test's array). */
import type { DownloadEvent } from './download-event.js';

/** Receives download events. `record` must return at once; batching and persistence are the sink's job. */
export interface AuditSink {
  record(event: DownloadEvent): void;
  close?(): Promise<void>;
  /**
   * Events lost so far (a bounded queue overflowing while the store is away); sinks that cannot
   * lose any leave it out. Exported as `portcullis_audit_dropped_total`.
   */
  readonly dropped?: number;
}
