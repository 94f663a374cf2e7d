/** The Edit and Signed URL panels of a configuration's detail page. */
import { useState } from 'preact/hooks';
import { type ApiError, api } from '../lib/api.js';
import { formatSeconds, formatTime } from '../lib/format.js';
import type { Configuration } from '../lib/types.js';
import { EXPIRY_PRESETS, ExpiryInput } from './expiry-input.js';
import { CopyField, describedBy, ErrorBanner, Field } from './field.js';

/** Name, expiry and enabled state, saved with PATCH. */
export function EditForm({
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
export function SignedUrlForm({ id }: { id: string }) {
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
