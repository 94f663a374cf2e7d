/** One JWT configuration: identity of its key (fingerprint, kid, public key, JWK, certificate), edit, rotate, delete. */
import { useState } from 'preact/hooks';
import { ConfirmDialog } from '../components/dialog.js';
import { EXPIRY_PRESETS, ExpiryInput } from '../components/expiry-input.js';
import { CopyField, describedBy, ErrorBanner, Field } from '../components/field.js';
import { RotateDialog } from '../components/rotate-dialog.js';
import { type ApiError, api } from '../lib/api.js';
import { downloadFile, saveText } from '../lib/download.js';
import { formatSeconds, formatTime } from '../lib/format.js';
import { Link, navigate } from '../lib/router.js';
import type { Configuration } from '../lib/types.js';
import { useResource } from '../lib/use-resource.js';
import { useCanWrite } from '../lib/user.js';

const slug = (name: string) =>
  name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'configuration';

/** Detail page of one configuration. */
export function ConfigurationDetailPage({ id }: { id: string }) {
  const url = `/api/v1/jwt-configurations/${encodeURIComponent(id)}`;
  const res = useResource(() => api<Configuration>('GET', url), [id]);
  const canWrite = useCanWrite();
  const [dialog, setDialog] = useState<'rotate' | 'delete' | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const c = res.data;

  if (res.error) {
    return (
      <section>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
          <Link href="/configurations">JWT Configurations</Link>
        </nav>
        <ErrorBanner error={res.error} />
      </section>
    );
  }
  if (!c) return <p>Loading…</p>;
  const base = slug(c.displayName);
  const jwkText = JSON.stringify(c.jwk, null, 2);
  const remove = async () => {
    setDialog(null);
    try {
      await api('DELETE', url);
      navigate('/configurations');
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <section>
      <nav class="breadcrumbs" aria-label="Breadcrumb">
        <Link href="/configurations">JWT Configurations</Link> › {c.displayName}
      </nav>
      <header class="page-head">
        <h1>{c.displayName}</h1>
        {canWrite && (
          <div class="row-actions">
            <button type="button" class="button" onClick={() => setDialog('rotate')}>
              Rotate key
            </button>
            <button type="button" class="button danger" onClick={() => setDialog('delete')}>
              Delete
            </button>
          </div>
        )}
      </header>
      <ErrorBanner error={error} />
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          {c.enabled ? (
            <span class="pill ok">Enabled</span>
          ) : (
            <span class="pill off">Disabled</span>
          )}
        </dd>
        <dt>Token Expiry</dt>
        <dd>{formatSeconds(c.tokenExpirySeconds)}</dd>
        <dt>Key</dt>
        <dd>RSA {c.keyBits} bits</dd>
        <dt>Created</dt>
        <dd>{formatTime(c.createdAt)}</dd>
        <dt>Key rotated</dt>
        <dd>{c.rotatedAt ? formatTime(c.rotatedAt) : 'never'}</dd>
      </dl>
      {canWrite && <EditForm configuration={c} url={url} onSaved={() => void res.reload()} />}
      <h2>Key identity</h2>
      <CopyField id="cfg-fingerprint" label="Fingerprint (SHA-256)" value={c.fingerprint} />
      <CopyField id="cfg-kid" label="Key ID (kid)" value={c.kid} />
      <CopyField id="cfg-public-key" label="Public key" value={c.publicKeyPem} multiline />
      <button
        type="button"
        class="button"
        onClick={() => saveText(c.publicKeyPem, `${base}.pub.pem`, 'application/x-pem-file')}
      >
        Download public key
      </button>
      <CopyField id="cfg-jwk" label="JWK" value={jwkText} multiline />
      <button
        type="button"
        class="button"
        onClick={() => saveText(jwkText, `${base}.jwk.json`, 'application/json')}
      >
        Download JWK
      </button>
      {c.certificatePem && (
        <>
          <CopyField id="cfg-certificate" label="Certificate" value={c.certificatePem} multiline />
          <button
            type="button"
            class="button"
            onClick={() =>
              void downloadFile(`${url}/certificate`, `${base}.crt.pem`).catch(setError)
            }
          >
            Download certificate
          </button>
        </>
      )}
      <SignedUrlForm id={c.id} />
      {dialog === 'rotate' && (
        <RotateDialog
          configuration={c}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            void res.reload();
          }}
        />
      )}
      {dialog === 'delete' && (
        <ConfirmDialog
          title="Delete configuration?"
          message={
            <p>Tokens signed with this key will be refused at once. This cannot be undone.</p>
          }
          confirmLabel="Delete"
          danger
          onConfirm={remove}
          onClose={() => setDialog(null)}
        />
      )}
    </section>
  );
}

function EditForm({
  configuration,
  url,
  onSaved,
}: {
  configuration: Configuration;
  url: string;
  onSaved: () => void;
}) {
  const presetFor = EXPIRY_PRESETS.find(
    ([, label]) => label === formatSeconds(configuration.tokenExpirySeconds),
  )?.[0];
  const [name, setName] = useState(configuration.displayName);
  const [expiry, setExpiry] = useState(presetFor ?? configuration.tokenExpiry);
  const [enabled, setEnabled] = useState(configuration.enabled);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const fields = error?.fieldErrors ?? {};
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      await api('PATCH', url, { displayName: name, tokenExpiry: expiry, enabled });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <details class="panel">
      <summary>Edit</summary>
      <form onSubmit={submit} noValidate>
        <ErrorBanner error={error && !fields.displayName && !fields.tokenExpiry ? error : null} />
        <Field id="edit-name" label="Display Name" error={fields.displayName}>
          <input
            id="edit-name"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            {...describedBy('edit-name', fields.displayName)}
          />
        </Field>
        <ExpiryInput
          idPrefix="edit"
          value={expiry}
          onChange={setExpiry}
          error={fields.tokenExpiry}
        />
        <div class="field checkbox">
          <input
            id="edit-enabled"
            type="checkbox"
            checked={enabled}
            onChange={(e) => setEnabled(e.currentTarget.checked)}
          />
          <label for="edit-enabled">Enabled</label>
        </div>
        <div class="actions">
          {saved && (
            <span class="saved" role="status">
              Saved.
            </span>
          )}
          <button type="submit" class="button primary">
            Save
          </button>
        </div>
      </form>
    </details>
  );
}

/** Signs a URL (or a content path) with this configuration, for testing a distribution point. */
function SignedUrlForm({ id }: { id: string }) {
  const [target, setTarget] = useState('');
  const [result, setResult] = useState<{ url: string; expiresAt: unknown } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setResult(null);
    const body = /^https?:\/\//i.test(target)
      ? { url: target }
      : { path: target.replace(/^\/+/, '') };
    try {
      setResult(
        await api('POST', `/api/v1/jwt-configurations/${encodeURIComponent(id)}/signed-urls`, body),
      );
    } catch (err) {
      setError(err as ApiError);
    }
  };
  const fieldError = error
    ? (error.fieldErrors.url ?? error.fieldErrors.path ?? `${error.message} (${error.code})`)
    : undefined;
  return (
    <form class="panel" onSubmit={submit} noValidate>
      <h2>Signed URL</h2>
      <Field
        id="sign-target"
        label="URL or content path"
        error={fieldError}
        hint="e.g. apps/MyApp.ipa or https://dp.example.com/apps/MyApp.ipa"
      >
        <input
          id="sign-target"
          value={target}
          onInput={(e) => setTarget(e.currentTarget.value)}
          {...describedBy('sign-target', fieldError, true)}
        />
      </Field>
      <button type="submit" class="button">
        Sign
      </button>
      {result && (
        <CopyField
          id="signed-url"
          label={`Signed URL (expires ${formatTime(result.expiresAt as string)})`}
          value={result.url}
        />
      )}
    </form>
  );
}
