/** One JWT configuration: identity of its key (fingerprint, kid, public key, JWK, certificate), edit, rotate, delete. */
import { useState } from 'preact/hooks';
import { EditForm, SignedUrlForm } from '../components/configuration-forms.js';
import { ConfirmDialog } from '../components/dialog.js';
import { CopyField, ErrorBanner } from '../components/field.js';
import { RotateDialog } from '../components/rotate-dialog.js';
import { WarningBanner } from '../components/warnings.js';
import { api } from '../lib/api.js';
import { downloadFile, saveText } from '../lib/download.js';
import { formatSeconds, formatTime } from '../lib/format.js';
import { takeWarnings } from '../lib/pending-warnings.js';
import { Link, navigate } from '../lib/router.js';
import type { ApiWarning, Configuration } from '../lib/types.js';
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
  // From the create answer (held across the navigation) or the last rotate answer.
  const [warnings, setWarnings] = useState<ApiWarning[]>(() => takeWarnings(id));
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
      <WarningBanner id="cfg-warnings" warnings={warnings} />
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
      <KeyIdentity configuration={c} url={url} onError={setError} />
      <SignedUrlForm id={c.id} />
      {dialog === 'rotate' && (
        <RotateDialog
          configuration={c}
          onClose={() => setDialog(null)}
          onDone={(updated) => {
            setDialog(null);
            setWarnings(updated.warnings ?? []);
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

/** Fingerprint, kid, public key, JWK and certificate, each with Copy and a download. */
function KeyIdentity({
  configuration: c,
  url,
  onError,
}: {
  configuration: Configuration;
  url: string;
  onError: (err: Error) => void;
}) {
  const base = slug(c.displayName);
  const jwkText = JSON.stringify(c.jwk, null, 2);
  return (
    <>
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
              void downloadFile(`${url}/certificate`, `${base}.crt.pem`).catch(onError)
            }
          >
            Download certificate
          </button>
        </>
      )}
    </>
  );
}
