/**
 * The distribution-point probe: hostile tokens and one valid token against a URL, and the table of
 * what the server did with each (same cases as `portcullis probe`).
 */
import { useState } from 'preact/hooks';
import { type ApiError, api } from '../lib/api.js';
import { preferredConfiguration } from '../lib/preferred.js';
import { describedBy, ErrorBanner, Field } from './field.js';
import { orEmpty } from './table.js';
import { type ConfigOption, Verdict } from './token-inspector.js';

/** One row of a probe report (src/probe/probe.ts ProbeResult). */
interface ProbeRow {
  id: string;
  title: string;
  expected: string;
  placement: string;
  status: number | null;
  outcome: string;
  contentReturned: boolean;
  verdict: 'pass' | 'fail' | 'info';
  code?: string;
  /** The redirect carried a storage signature: the server handed out a link to the file. */
  signedLink?: boolean;
  detail?: string;
}

/** A probe report (src/probe/probe.ts ProbeReport). */
interface ProbeReport {
  url: string;
  probedAt: string;
  ok: boolean;
  summary: { passed: number; failed: number; info: number };
  results: ProbeRow[];
}

/** Probe form and report. */
export function ProbePanel({ configurations }: { configurations: ConfigOption[] }) {
  const [url, setUrl] = useState('');
  const [configurationId, setConfigurationId] = useState('');
  const [report, setReport] = useState<ProbeReport | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  // Never the zero-config "Default" by itself while the admin has a key of their own.
  const chosen = configurationId || preferredConfiguration(configurations)?.id || '';
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setReport(null);
    setBusy(true);
    try {
      setReport(
        await api('POST', '/api/v1/tools/probe', { url: url.trim(), configurationId: chosen }),
      );
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const fields = error?.fieldErrors ?? {};
  const urlError = fields.url ?? (error?.code?.startsWith('PROBE_URL') ? error.message : undefined);
  const configError = fields.configurationId;
  return (
    <form class="panel" onSubmit={submit} noValidate>
      <h2>Distribution point probe</h2>
      <p class="muted">
        Requests a URL with hostile tokens (none, garbage, bad signature, expired, alg none, HS256
        with the public key…) and one valid token signed with the chosen configuration, then shows
        which were refused.
      </p>
      <ErrorBanner error={error && !urlError && !configError ? error : null} />
      <Field id="probe-url" label="URL of a file on the distribution point" error={urlError}>
        <input
          id="probe-url"
          type="url"
          value={url}
          placeholder="https://dp.example.com/apps/MyApp.ipa"
          onInput={(e) => setUrl(e.currentTarget.value)}
          {...describedBy('probe-url', urlError)}
        />
      </Field>
      <Field id="probe-config" label="Sign the valid token with" error={configError}>
        <select
          id="probe-config"
          value={chosen}
          onChange={(e) => setConfigurationId(e.currentTarget.value)}
          {...describedBy('probe-config', configError)}
        >
          {configurations.map((c) => (
            <option key={c.id} value={c.id}>
              {c.displayName}
            </option>
          ))}
        </select>
      </Field>
      <button type="submit" class="button primary" disabled={busy || !chosen}>
        {busy ? 'Probing…' : 'Probe'}
      </button>
      {report && <ProbeTable report={report} />}
    </form>
  );
}

function ProbeTable({ report }: { report: ProbeReport }) {
  return (
    <div class="result" aria-live="polite">
      <p>
        {report.ok ? (
          <span class="pill ok">Every hostile token was refused</span>
        ) : (
          <span class="pill bad">Problems found</span>
        )}{' '}
        <span class="muted">
          {report.summary.passed} passed, {report.summary.failed} failed, {report.summary.info}{' '}
          informational — {report.url}
        </span>
      </p>
      <div class="table-wrap">
        <table class="table compact" id="probe-results">
          <thead>
            <tr>
              <th scope="col">Case</th>
              <th scope="col">Expected</th>
              <th scope="col">Status</th>
              <th scope="col">Seen</th>
              <th scope="col">Code</th>
              <th scope="col">Verdict</th>
            </tr>
          </thead>
          <tbody>
            {report.results.map((r) => (
              <tr key={`${r.id}-${r.placement}`}>
                <td>{r.title}</td>
                <td>{r.expected}</td>
                <td>{orEmpty(r.status)}</td>
                <td>
                  {r.outcome}
                  {r.contentReturned ? ' (content returned)' : ''}
                  {r.signedLink ? ' (hands out a signed link)' : ''}
                  {r.detail ? <span class="muted"> {r.detail}</span> : null}
                </td>
                <td class="mono">{orEmpty(r.code)}</td>
                <td>
                  {r.verdict === 'info' ? (
                    <span class="pill off">info</span>
                  ) : (
                    <Verdict ok={r.verdict === 'pass'} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
