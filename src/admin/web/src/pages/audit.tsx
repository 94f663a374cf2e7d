/**
 * Audit log: filters (path, outcome, date range), cursor paging and CSV export. Anonymous
 * refusals arrive as aggregated rows (one per minute and client network, with a sample path);
 * the Requests column shows how many requests such a row stands for.
 */
import { useState } from 'preact/hooks';
import { describedBy, ErrorBanner, Field } from '../components/field.js';
import { orEmpty } from '../components/table.js';
import { api, request } from '../lib/api.js';
import { saveBlob } from '../lib/download.js';
import { formatBytes, formatTime } from '../lib/format.js';
import type { AuditItem } from '../lib/types.js';
import { useResource } from '../lib/use-resource.js';

const OUTCOMES = [
  'OK',
  'NOT_MODIFIED',
  'TOKEN_MISSING',
  'TOKEN_MALFORMED',
  'TOKEN_EXPIRED',
  'TOKEN_NOT_YET_VALID',
  'SIGNATURE_INVALID',
  'KEY_NOT_FOUND',
  'ALG_NOT_ALLOWED',
  'HEADER_NOT_ALLOWED',
  'CLAIM_INVALID',
  'NOT_FOUND',
  'PATH_REJECTED',
  'RANGE_NOT_SATISFIABLE',
  'UPSTREAM_ERROR',
];
const PAGE_SIZE = 50;

interface Filters {
  path: string;
  outcome: string;
  since: string;
  until: string;
}

function queryOf(f: Filters, cursor?: string): string {
  const q = new URLSearchParams();
  // Audit paths are URL paths (leading slash); accept them typed either way.
  if (f.path) q.set('path', f.path.startsWith('/') ? f.path : `/${f.path}`);
  if (f.outcome) q.set('outcome', f.outcome);
  // datetime-local values are local time; the API gets ISO instants.
  if (f.since) q.set('since', new Date(f.since).toISOString());
  if (f.until) q.set('until', new Date(f.until).toISOString());
  if (cursor) q.set('cursor', cursor);
  q.set('limit', String(PAGE_SIZE));
  return q.toString();
}

/** Audit log page. */
export function AuditPage() {
  const [draft, setDraft] = useState<Filters>({ path: '', outcome: '', since: '', until: '' });
  const [filters, setFilters] = useState<Filters>(draft);
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const page = useResource(
    () =>
      api<{ items: AuditItem[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/audit?${queryOf(filters, cursor)}`,
      ),
    [filters, cursor],
  );
  const [exportError, setExportError] = useState<Error | null>(null);
  const fields =
    (page.error as { fieldErrors?: Record<string, string> } | undefined)?.fieldErrors ?? {};

  const apply = (e: Event) => {
    e.preventDefault();
    setCursors([]);
    setFilters({ ...draft });
  };
  const exportCsv = async () => {
    setExportError(null);
    try {
      const q = new URLSearchParams(queryOf(filters));
      q.delete('limit');
      q.set('limit', '1000');
      const res = await request('GET', `/api/v1/audit?${q}`, { accept: 'text/csv' });
      saveBlob(await res.blob(), `portcullis-audit-${new Date().toISOString().slice(0, 10)}.csv`);
    } catch (err) {
      setExportError(err as Error);
    }
  };
  const set = (k: keyof Filters) => (e: Event) =>
    setDraft({ ...draft, [k]: (e.currentTarget as HTMLInputElement).value });
  const items = page.data?.items ?? [];
  const fieldShown = fields.path || fields.outcome || fields.since || fields.until;
  return (
    <section>
      <header class="page-head">
        <h1>Audit Log</h1>
        <button type="button" class="button" onClick={() => void exportCsv()}>
          Export CSV
        </button>
      </header>
      <form class="filters" onSubmit={apply} noValidate>
        <Field id="audit-path" label="Path (exact, or prefix*)" error={fields.path}>
          <input
            id="audit-path"
            value={draft.path}
            placeholder="/apps/*"
            onInput={set('path')}
            {...describedBy('audit-path', fields.path)}
          />
        </Field>
        <Field id="audit-outcome" label="Outcome" error={fields.outcome}>
          <select
            id="audit-outcome"
            value={draft.outcome}
            onChange={set('outcome')}
            {...describedBy('audit-outcome', fields.outcome)}
          >
            <option value="">Any</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </Field>
        <Field id="audit-since" label="From" error={fields.since}>
          <input
            id="audit-since"
            type="datetime-local"
            value={draft.since}
            onInput={set('since')}
            {...describedBy('audit-since', fields.since)}
          />
        </Field>
        <Field id="audit-until" label="To" error={fields.until}>
          <input
            id="audit-until"
            type="datetime-local"
            value={draft.until}
            onInput={set('until')}
            {...describedBy('audit-until', fields.until)}
          />
        </Field>
        <div class="filter-actions">
          <button type="submit" class="button primary">
            Apply
          </button>
        </div>
      </form>
      <ErrorBanner error={exportError ?? (fieldShown ? null : page.error)} />
      <div class="table-wrap" hidden={items.length === 0}>
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Outcome</th>
              <th scope="col">Status</th>
              <th scope="col">Requests</th>
              <th scope="col">Method</th>
              <th scope="col">Path</th>
              <th scope="col">Bytes</th>
              <th scope="col">Client</th>
              <th scope="col">Token or device</th>
              <th scope="col">Via</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id}>
                <td>{formatTime(e.time)}</td>
                <td>
                  <span class={e.status < 400 ? 'pill ok' : 'pill bad'}>{e.outcome}</span>
                </td>
                <td>{e.status}</td>
                <td
                  title={
                    e.aggregated
                      ? `Anonymous refusals from this client until ${formatTime(e.lastTime ?? e.time)}; the path is the first one's`
                      : undefined
                  }
                >
                  {e.aggregated ? `×${e.count ?? 1}` : 1}
                </td>
                <td>{e.method}</td>
                <td class="mono truncate" title={e.path}>
                  {e.aggregated ? `e.g. ${e.path}` : e.path}
                </td>
                <td>{formatBytes(e.bytesSent)}</td>
                <td class="mono">{e.clientAddress}</td>
                {e.clientCertSerial ? (
                  <td
                    class="mono truncate"
                    title={`Device certificate ${e.clientCertSubject ?? ''} (serial ${e.clientCertSerial}, issued by ${e.clientCertIssuer ?? ''})`}
                  >
                    {e.clientCertSubject ?? e.clientCertSerial}
                  </td>
                ) : (
                  <td class="mono truncate" title={e.tokenFingerprint ?? ''}>
                    {orEmpty(e.tokenFingerprint)}
                  </td>
                )}
                <td>{e.via}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {items.length === 0 && !page.loading && <p class="empty">No events match.</p>}
      <div class="pager">
        <button
          type="button"
          class="button"
          disabled={cursors.length === 0}
          onClick={() => setCursors([])}
        >
          First page
        </button>
        <button
          type="button"
          class="button"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous
        </button>
        <button
          type="button"
          class="button"
          disabled={!page.data?.nextCursor}
          onClick={() => page.data?.nextCursor && setCursors([...cursors, page.data.nextCursor])}
        >
          Next
        </button>
      </div>
    </section>
  );
}
