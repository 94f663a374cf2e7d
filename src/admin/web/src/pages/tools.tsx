/** Tools: the token inspector (every check, not just the first failure) and the distribution-point probe. */
import { useState } from 'preact/hooks';
import { describedBy, ErrorBanner, Field } from '../components/field.js';
import { type ApiError, api } from '../lib/api.js';
import type { Inspection } from '../lib/types.js';
import { useResource } from '../lib/use-resource.js';
import { loadConfigurations } from './configurations.js';

/** One row of a probe report (src/server/probe.ts ProbeResult). */
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
  detail?: string;
}

/** A probe report (src/server/probe.ts ProbeReport). */
interface ProbeReport {
  url: string;
  probedAt: string;
  ok: boolean;
  summary: { passed: number; failed: number; info: number };
  results: ProbeRow[];
}

/** Tools page. */
export function ToolsPage() {
  const configs = useResource(loadConfigurations, []);
  const options = configs.data ?? [];
  return (
    <section>
      <h1>Tools</h1>
      <Inspector configurations={options} />
      <Probe configurations={options} />
    </section>
  );
}

type ConfigOption = { id: string; displayName: string };

function Verdict({ ok }: { ok: boolean | null }) {
  if (ok === null) return <span class="pill off">not checked</span>;
  return ok ? <span class="pill ok">✓ pass</span> : <span class="pill bad">✗ fail</span>;
}

function Inspector({ configurations }: { configurations: ConfigOption[] }) {
  const [input, setInput] = useState('');
  const [configurationId, setConfigurationId] = useState('');
  const [result, setResult] = useState<(Inspection & { valid?: boolean | null }) | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setResult(null);
    const value = input.trim();
    const body: Record<string, unknown> = /^https?:\/\//i.test(value)
      ? { url: value }
      : { token: value };
    if (configurationId) body.configurationId = configurationId;
    try {
      setResult(await api('POST', '/api/v1/tools/inspect', body));
    } catch (err) {
      setError(err as ApiError);
    }
  };
  const inputError = error
    ? (error.fieldErrors.token ?? error.fieldErrors.url ?? `${error.message} (${error.code})`)
    : undefined;
  const times = Object.entries(result?.times ?? {}) as Array<
    [string, { iso?: string; relative?: string } | unknown]
  >;
  return (
    <form class="panel" onSubmit={submit} noValidate>
      <h2>Token inspector</h2>
      <p class="muted">
        Paste a token or a signed URL. The server decodes it and runs every check; the token is not
        stored or logged.
      </p>
      <Field id="inspect-input" label="Token or URL" error={inputError}>
        <textarea
          id="inspect-input"
          class="mono"
          rows={4}
          spellcheck={false}
          value={input}
          onInput={(e) => setInput(e.currentTarget.value)}
          {...describedBy('inspect-input', inputError)}
        />
      </Field>
      <Field
        id="inspect-config"
        label="Check the signature with"
        hint="With “Any enabled configuration” the signature is checked against every enabled key."
      >
        <select
          id="inspect-config"
          value={configurationId}
          onChange={(e) => setConfigurationId(e.currentTarget.value)}
          {...describedBy('inspect-config', undefined, true)}
        >
          <option value="">Any enabled configuration</option>
          {configurations.map((c) => (
            <option key={c.id} value={c.id}>
              {c.displayName}
            </option>
          ))}
        </select>
      </Field>
      <button type="submit" class="button primary">
        Inspect
      </button>
      {result && (
        <div class="result" aria-live="polite">
          <p>
            Verdict:{' '}
            {result.valid === true ? (
              <span class="pill ok">valid</span>
            ) : result.valid === false ? (
              <span class="pill bad">invalid</span>
            ) : (
              <span class="pill off">signature not checked</span>
            )}
          </p>
          <table class="table compact" id="inspect-checks">
            <thead>
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Result</th>
                <th scope="col">Code</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {result.checks.map((c) => (
                <tr key={c.name}>
                  <td>{c.name}</td>
                  <td>
                    <Verdict ok={c.ok} />
                  </td>
                  <td class="mono">{c.code ?? ''}</td>
                  <td>{c.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {times.length > 0 && (
            <dl class="facts">
              {times.map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>
                    {typeof v === 'object' && v
                      ? `${(v as { iso?: string }).iso ?? ''} (${(v as { relative?: string }).relative ?? ''})`
                      : String(v)}
                  </dd>
                </div>
              ))}
            </dl>
          )}
          <div class="two-col">
            <div>
              <h3>Header</h3>
              <pre class="code-block">{JSON.stringify(result.header, null, 2)}</pre>
            </div>
            <div>
              <h3>Claims</h3>
              <pre class="code-block">{JSON.stringify(result.claims, null, 2)}</pre>
            </div>
          </div>
        </div>
      )}
    </form>
  );
}

function Probe({ configurations }: { configurations: ConfigOption[] }) {
  const [url, setUrl] = useState('');
  const [configurationId, setConfigurationId] = useState('');
  const [report, setReport] = useState<ProbeReport | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = configurationId || configurations[0]?.id || '';
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
                <td>{r.status ?? '—'}</td>
                <td>
                  {r.outcome}
                  {r.contentReturned ? ' (content returned)' : ''}
                  {r.detail ? <span class="muted"> {r.detail}</span> : null}
                </td>
                <td class="mono">{r.code ?? ''}</td>
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
