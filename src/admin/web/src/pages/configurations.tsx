/** The list of JWT configurations with enable toggles, rotate and delete. */
import { useState } from 'preact/hooks';
import { ConfirmDialog } from '../components/dialog.js';
import { ErrorBanner } from '../components/field.js';
import { RotateDialog } from '../components/rotate-dialog.js';
import { api } from '../lib/api.js';
import { ageInDays, formatSeconds } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { type Configuration, itemsOf } from '../lib/types.js';
import { useResource } from '../lib/use-resource.js';
import { useCanWrite } from '../lib/user.js';

/** Fetches the configuration list (bare array or `{items}`). */
export async function loadConfigurations(): Promise<Configuration[]> {
  return itemsOf(
    await api<Configuration[] | { items: Configuration[] }>('GET', '/api/v1/jwt-configurations'),
  );
}

/** JWT Configurations page. */
export function ConfigurationsPage() {
  const list = useResource(loadConfigurations, []);
  const canWrite = useCanWrite();
  const [actionError, setActionError] = useState<Error | null>(null);
  const [deleting, setDeleting] = useState<Configuration | null>(null);
  const [rotating, setRotating] = useState<Configuration | null>(null);

  const run = async (fn: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await fn();
    } catch (err) {
      setActionError(err as Error);
    }
    await list.reload();
  };
  const toggle = (c: Configuration) =>
    run(() =>
      api('PATCH', `/api/v1/jwt-configurations/${encodeURIComponent(c.id)}`, {
        enabled: !c.enabled,
      }),
    );
  const remove = (c: Configuration) =>
    run(async () => {
      setDeleting(null);
      await api('DELETE', `/api/v1/jwt-configurations/${encodeURIComponent(c.id)}`);
    });

  const items = list.data ?? [];
  return (
    <section>
      <header class="page-head">
        <h1>JSON Web Token Configurations</h1>
        {canWrite && (
          <Link href="/configurations/new" class="button primary">
            + New
          </Link>
        )}
      </header>
      <p class="muted">
        Each configuration holds one RSA key. Jamf Pro signs download URLs with the same key;
        Portcullis accepts tokens from enabled configurations.
      </p>
      <ErrorBanner error={list.error ?? actionError} />
      {list.loading && !list.data ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p class="empty">No configurations yet. Create one with New.</p>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Display Name</th>
                <th scope="col">Fingerprint</th>
                <th scope="col">Key</th>
                <th scope="col">Token Expiry</th>
                <th scope="col">Key age</th>
                <th scope="col">Enabled</th>
                {canWrite && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link href={`/configurations/${encodeURIComponent(c.id)}`}>
                      {c.displayName}
                    </Link>
                  </td>
                  <td class="mono truncate" title={c.fingerprint}>
                    {c.fingerprint}
                  </td>
                  <td>RSA {c.keyBits}</td>
                  <td>{formatSeconds(c.tokenExpirySeconds)}</td>
                  <td>{ageInDays(c.rotatedAt ?? c.createdAt)} days</td>
                  <td>
                    <input
                      type="checkbox"
                      class="switch"
                      id={`enabled-${c.id}`}
                      checked={c.enabled}
                      disabled={!canWrite}
                      onChange={() => void toggle(c)}
                    />
                    <label for={`enabled-${c.id}`} class="sr-only">
                      Enabled: {c.displayName}
                    </label>
                  </td>
                  {canWrite && (
                    <td class="row-actions">
                      <button type="button" class="button small" onClick={() => setRotating(c)}>
                        Rotate<span class="sr-only"> {c.displayName}</span>
                      </button>
                      <button
                        type="button"
                        class="button small danger"
                        onClick={() => setDeleting(c)}
                      >
                        Delete<span class="sr-only"> {c.displayName}</span>
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete configuration?"
          message={
            <p>
              Tokens signed with the key of <strong>{deleting.displayName}</strong> will be refused
              at once. This cannot be undone.
            </p>
          }
          confirmLabel="Delete"
          danger
          onConfirm={() => remove(deleting)}
          onClose={() => setDeleting(null)}
        />
      )}
      {rotating && (
        <RotateDialog
          configuration={rotating}
          onClose={() => setRotating(null)}
          onDone={() => {
            setRotating(null);
            void list.reload();
          }}
        />
      )}
    </section>
  );
}
