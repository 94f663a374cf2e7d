/**
 * New external JWT server, and one server's page: its settings (Edit) and "Test connection" —
 * the keys as the server fetches them now and, with a pasted token, whether it would be
 * accepted and as whom. After New the page opens on the new server, ready to test.
 */
import { useState } from 'preact/hooks';
import { describedBy, ErrorBanner, Field } from '../components/field.js';
import { JwtServerForm } from '../components/jwt-server-form.js';
import { orEmpty, TableHead } from '../components/table.js';
import { type ApiError, api } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { Link, navigate } from '../lib/router.js';
import type { JwtServer, JwtServerTest } from '../lib/types.js';
import { useResource } from '../lib/use-resource.js';
import { useCanWrite } from '../lib/user.js';
import { AdminOnly } from './accounts.js';
import { JWT_SERVERS, jwtServerUrl } from './jwt-servers.js';

/** New JWT server page. */
export function JwtServerNewPage() {
  if (!useCanWrite()) return <AdminOnly title="New External JWT Server" />;
  const create = async (body: Record<string, unknown>) => {
    const created = await api<JwtServer>('POST', JWT_SERVERS, body);
    navigate(`/jwt-servers/${encodeURIComponent(created.id)}`);
  };
  return (
    <section>
      <nav class="breadcrumbs" aria-label="Breadcrumb">
        <Link href="/jwt-servers">External JWT Servers</Link> › New
      </nav>
      <h1>New External JWT Server</h1>
      <JwtServerForm onSubmit={create} submitLabel="Save" />
    </section>
  );
}

/** One JWT server: warnings, Test connection, Edit. */
export function JwtServerDetailPage({ id }: { id: string }) {
  const canWrite = useCanWrite();
  const res = useResource(() => api<JwtServer>('GET', jwtServerUrl(id)), [id]);
  const [saved, setSaved] = useState(false);
  if (!canWrite) return <AdminOnly title="External JWT Server" />;
  const s = res.data;
  const save = async (body: Record<string, unknown>) => {
    setSaved(false);
    await api('PATCH', jwtServerUrl(id), body);
    setSaved(true);
    await res.reload();
  };
  return (
    <section>
      <nav class="breadcrumbs" aria-label="Breadcrumb">
        <Link href="/jwt-servers">External JWT Servers</Link> › {s?.name ?? '…'}
      </nav>
      <h1>{s?.name ?? 'External JWT Server'}</h1>
      <ErrorBanner error={res.error} />
      {s && (
        <>
          {s.warnings.map((w) => (
            <p key={w} class="warning-text">
              ⚠ {w}
            </p>
          ))}
          <p class="muted">
            {s.enabled ? 'Enabled' : 'Disabled'} · updated {formatTime(s.updatedAt)}
          </p>
          <TestPanel id={id} />
          <details class="panel" open={saved || undefined}>
            <summary>Edit</summary>
            {saved && (
              <p class="saved" role="status">
                Saved.
              </p>
            )}
            <JwtServerForm key={s.updatedAt} server={s} onSubmit={save} submitLabel="Save" />
          </details>
        </>
      )}
    </section>
  );
}

function TestPanel({ id }: { id: string }) {
  const [token, setToken] = useState('');
  const [result, setResult] = useState<JwtServerTest | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const body = token.trim() ? { token: token.trim() } : {};
      setResult(await api<JwtServerTest>('POST', jwtServerUrl(id, '/test'), body));
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const tokenError = error?.fieldErrors.token;
  return (
    <form class="panel" onSubmit={submit} noValidate>
      <h2>Test connection</h2>
      <p class="muted">
        Fetches the keys now, the way Portcullis does when a token arrives. Paste a token from this
        server to see whether it would be accepted, and as whom. Nothing is saved or logged.
      </p>
      <ErrorBanner error={error && !tokenError ? error : null} />
      <Field
        id="srv-test-token"
        label="Token (optional)"
        error={tokenError}
        hint="A JWT this issuer minted for Portcullis. It is checked, never stored."
      >
        <textarea
          id="srv-test-token"
          rows={3}
          class="mono"
          spellcheck={false}
          autocomplete="off"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          {...describedBy('srv-test-token', tokenError, true)}
        />
      </Field>
      <button type="submit" class="button primary" disabled={busy}>
        {busy ? 'Testing…' : 'Test connection'}
      </button>
      {result && <TestResult result={result} />}
    </form>
  );
}

function TestResult({ result }: { result: JwtServerTest }) {
  const { keys, token } = result;
  return (
    <div class="result" id="srv-test-result" aria-live="polite">
      <p>
        <span class={keys.ok ? 'pill ok' : 'pill bad'}>
          {keys.source === 'jwks' ? 'Keys' : 'Shared secret'}: {keys.ok ? 'OK' : 'failed'}
        </span>{' '}
        {keys.message} <span class="mono muted">{keys.code}</span>
      </p>
      {keys.keys.length > 0 && (
        <div class="table-wrap">
          <table class="table compact">
            <TableHead columns={['Key ID (kid)', 'Type', 'Algorithm', 'Usable']} />
            <tbody>
              {keys.keys.map((k, i) => (
                <tr key={`${k.kid}-${i}`}>
                  <td class="mono">{orEmpty(k.kid)}</td>
                  <td>{k.kty}</td>
                  <td>{orEmpty(k.alg)}</td>
                  <td>{k.usable ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {token && (
        <p id="srv-test-token-result">
          <span class={token.accepted ? 'pill ok' : 'pill bad'}>
            Token: {token.accepted ? 'accepted' : 'refused'}
          </span>{' '}
          {token.message} <span class="mono muted">{token.code}</span>
          {token.principal && !token.accepted && (
            <span class="muted">
              {' '}
              (would be {token.principal.username}, {token.principal.role})
            </span>
          )}
        </p>
      )}
    </div>
  );
}
