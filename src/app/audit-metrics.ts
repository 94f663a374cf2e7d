/**
 * The audit sink's own metric, on the admin listener's `/metrics` next to the content
 * listener's: `portcullis_audit_dropped_total`, the download events this process could not keep
 * (its bounded buffer overflowed while the store was away). The sink lives in the process that
 * serves `/metrics` (the single process, or the cluster primary), so no aggregation is needed.
 */
import { Counter, Registry } from 'prom-client';
import type { AuditSink } from '../contracts/audit-sink.js';

/** A registry holding the audit-drop counter of `sink`, read at each scrape. */
export function auditMetrics(sink: AuditSink | undefined): Registry {
  const registry = new Registry();
  let reported = 0;
  new Counter({
    name: 'portcullis_audit_dropped_total',
    help: 'Download audit events dropped because the audit buffer was full (the store was away too long).',
    registers: [registry],
    collect() {
      const now = sink?.dropped ?? 0;
      if (now > reported) this.inc(now - reported);
      reported = Math.max(reported, now);
    },
  });
  return registry;
}

/** `text` (another registry's exposition) followed by the audit metrics, one metric per line. */
export async function withAuditMetrics(text: string, audit: Registry): Promise<string> {
  return `${text.replace(/\n*$/, '\n')}${await audit.metrics()}`;
}
