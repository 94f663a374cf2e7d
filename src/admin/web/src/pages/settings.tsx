/** Settings (as the API exposes them) and the user's own password change. */
import { useEffect, useState } from 'preact/hooks';
import { describedBy, ErrorBanner, Field } from '../components/field.js';
import { type ApiError, api } from '../lib/api.js';
import { useResource } from '../lib/use-resource.js';
import { useCanWrite } from '../lib/user.js';
import { ChangePasswordForm } from './sign-in.js';

type Settings = Record<string, string | number | boolean | null>;

const label = (key: string) =>
  key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());

/** Settings page: one field per scalar setting, saved together with PUT. */
export function SettingsPage() {
  const res = useResource(() => api<Settings>('GET', '/api/v1/settings'), []);
  const canWrite = useCanWrite();
  const [draft, setDraft] = useState<Settings>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [pwDone, setPwDone] = useState(false);
  useEffect(() => {
    if (res.data) setDraft(res.data);
  }, [res.data]);
  const fields = error?.fieldErrors ?? {};
  const entries = Object.entries(draft).filter(([, v]) => v === null || typeof v !== 'object');

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      await api('PUT', '/api/v1/settings', draft);
      setSaved(true);
      await res.reload();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <section>
      <h1>Settings</h1>
      <form class="panel" onSubmit={submit} noValidate>
        <h2>Server</h2>
        <ErrorBanner
          error={res.error ?? (error && Object.keys(fields).length === 0 ? error : null)}
        />
        {entries.map(([key, value]) => {
          const id = `setting-${key}`;
          const original = res.data?.[key];
          const numeric = typeof original === 'number';
          if (typeof original === 'boolean') {
            return (
              <div class="field checkbox" key={key}>
                <input
                  id={id}
                  type="checkbox"
                  checked={Boolean(value)}
                  disabled={!canWrite}
                  onChange={(e) => setDraft({ ...draft, [key]: e.currentTarget.checked })}
                />
                <label for={id}>{label(key)}</label>
              </div>
            );
          }
          return (
            <Field key={key} id={id} label={label(key)} error={fields[key]}>
              <input
                id={id}
                type="text"
                inputMode={numeric ? 'numeric' : 'text'}
                readOnly={!canWrite}
                value={value === null ? '' : String(value)}
                onInput={(e) => {
                  const raw = e.currentTarget.value;
                  setDraft({ ...draft, [key]: numeric ? (raw === '' ? null : Number(raw)) : raw });
                }}
                {...describedBy(id, fields[key])}
              />
            </Field>
          );
        })}
        {canWrite && entries.length > 0 && (
          <div class="actions">
            {saved && <span role="status">Saved.</span>}
            <button type="submit" class="button primary">
              Save
            </button>
          </div>
        )}
      </form>
      <div class="panel">
        <h2>Change your password</h2>
        {pwDone ? (
          <p role="status">Password changed.</p>
        ) : (
          <ChangePasswordForm onDone={() => setPwDone(true)} />
        )}
      </div>
    </section>
  );
}
