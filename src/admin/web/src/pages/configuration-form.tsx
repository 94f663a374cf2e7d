/** New JWT configuration, in the order of Jamf Pro's form: Display Name → Encryption Key → Token Expiry → Save. */
import { useState } from 'preact/hooks';
import { ExpiryInput } from '../components/expiry-input.js';
import { describedBy, ErrorBanner, Field } from '../components/field.js';
import {
  emptyKey,
  KeyInput,
  type KeyValue,
  keyErrorOf,
  keyPayload,
  passphraseErrorOf,
} from '../components/key-input.js';
import { ApiError, api, request } from '../lib/api.js';
import { holdWarnings } from '../lib/pending-warnings.js';
import { Link, navigate } from '../lib/router.js';
import type { ConfigurationAnswer } from '../lib/types.js';

/** The "New JWT Configuration" sheet. */
export function ConfigurationFormPage() {
  const [displayName, setDisplayName] = useState('');
  const [key, setKey] = useState<KeyValue>(emptyKey());
  const [expiry, setExpiry] = useState('15m');
  const [enabled, setEnabled] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const fields = error?.fieldErrors ?? {};
  const nameError = fields.displayName;
  const expiryError = fields.tokenExpiry;
  const keyError = keyErrorOf(fields, error?.code, error?.message);
  const passphraseError = passphraseErrorOf(fields, error?.code, error?.message);
  const shown = nameError || expiryError || keyError || passphraseError || fields.enabled;
  const general = error && !shown ? error : null;

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = key.mode === 'upload' ? await createWithUpload() : await createWithJson();
      // The new page shows the answer's warnings (the same key as another configuration).
      holdWarnings(created.id, created.warnings);
      navigate(`/configurations/${encodeURIComponent(created.id)}`);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', (err as Error).message));
    } finally {
      setBusy(false);
    }
  };

  const createWithJson = async () =>
    api<ConfigurationAnswer>('POST', '/api/v1/jwt-configurations', {
      displayName,
      key: await keyPayload(key),
      tokenExpiry: expiry,
      enabled,
    });

  // Uploads go as multipart with the file field `key`, so the key file is never re-encoded in the page.
  const createWithUpload = async () => {
    if (!key.file)
      throw new ApiError(400, 'VALIDATION_FAILED', 'Choose a key file.', {
        key: 'Choose a .pem key file.',
      });
    const form = new FormData();
    form.append('displayName', displayName);
    form.append('tokenExpiry', expiry);
    form.append('enabled', String(enabled));
    if (key.passphrase) form.append('passphrase', key.passphrase);
    form.append('key', key.file, key.file.name);
    const res = await request('POST', '/api/v1/jwt-configurations', { body: form });
    return (await res.json()) as ConfigurationAnswer;
  };

  return (
    <section>
      <nav class="breadcrumbs" aria-label="Breadcrumb">
        <Link href="/configurations">JWT Configurations</Link> › New
      </nav>
      <h1>New JSON Web Token Configuration</h1>
      <form class="sheet" onSubmit={submit} noValidate>
        <ErrorBanner error={general} />
        <Field id="cfg-name" label="Display Name" error={nameError}>
          <input
            id="cfg-name"
            required
            maxLength={200}
            value={displayName}
            onInput={(e) => setDisplayName(e.currentTarget.value)}
            {...describedBy('cfg-name', nameError)}
          />
        </Field>
        <KeyInput
          idPrefix="cfg"
          value={key}
          onChange={setKey}
          error={keyError}
          passphraseError={passphraseError}
        />
        <ExpiryInput idPrefix="cfg" value={expiry} onChange={setExpiry} error={expiryError} />
        <div class="field checkbox">
          <input
            id="cfg-enabled"
            type="checkbox"
            checked={enabled}
            onChange={(e) => setEnabled(e.currentTarget.checked)}
          />
          <label for="cfg-enabled">Enabled (tokens signed with this key are accepted)</label>
        </div>
        <div class="actions">
          <Link href="/configurations" class="button">
            Cancel
          </Link>
          <button type="submit" class="button primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </section>
  );
}
