/**
 * The token inspector: paste a token or a signed URL, see every check the server runs (not just the
 * first failure) with its code, plus the decoded header, claims and times.
 */
import { useState } from 'preact/hooks';
import { type ApiError, api } from '../lib/api.js';
import type { Inspection } from '../lib/types.js';
import { describedBy, Field } from './field.js';

/** A configuration the user can pick. */
export type ConfigOption = {
  id: string;
  displayName: string;
  enabled?: boolean;
  zeroConfig?: boolean;
};
type InspectionView = Inspection & { valid?: boolean | null };

/** ✓ / ✗ / not checked. */
export function Verdict({ ok }: { ok: boolean | null }) {
  if (ok === null) return <span class="pill off">not checked</span>;
  return ok ? <span class="pill ok">✓ pass</span> : <span class="pill bad">✗ fail</span>;
}

/** Token inspector form and result. */
export function TokenInspector({ configurations }: { configurations: ConfigOption[] }) {
  const [input, setInput] = useState('');
  const [configurationId, setConfigurationId] = useState('');
  const [result, setResult] = useState<InspectionView | null>(null);
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
      {result && <InspectionResult result={result} />}
    </form>
  );
}

/** The verdict, each check, the times and the decoded header and claims. */
function InspectionResult({ result }: { result: InspectionView }) {
  const times = Object.entries(result.times ?? {}) as Array<
    [string, { iso?: string; relative?: string } | unknown]
  >;
  return (
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
  );
}
