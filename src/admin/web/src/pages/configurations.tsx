/** The list of JWT configurations with enable toggles, rotate and delete. */
import { useState } from 'preact/hooks';
import { DefaultNotice } from '../components/default-notice.js';
import { ConfirmDialog } from '../components/dialog.js';
import { ErrorBanner } from '../components/field.js';
import { RotateDialog } from '../components/rotate-dialog.js';
import { EnabledSwitch, RowButton, RowDelete, TableHead } from '../components/table.js';
import { WarningBanner } from '../components/warnings.js';
import { api } from '../lib/api.js';
import { ageInDays, formatSeconds, pluralDays } from '../lib/format.js';
import { Link } from '../lib/router.js';
import { type ApiWarning, type Configuration, itemsOf } from '../lib/types.js';
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

  // The last rotate answer's warnings (the new key is already in another configuration).
  const [warnings, setWarnings] = useState<ApiWarning[]>([]);
  const run = async (fn: () => Promise<unknown>) => {
    setActionError(null);
    setWarnings([]);
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
      <WarningBanner id="cfg-warnings" warnings={warnings} />
      <DefaultNotice configurations={items} onChanged={() => void list.reload()} />
      {list.loading && !list.data ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p class="empty">No configurations yet. Create one with New.</p>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <TableHead
              columns={[
                'Display Name',
                'Fingerprint',
                'Key',
                'Token Expiry',
                'Key age',
                'Enabled',
                canWrite && 'Actions',
              ]}
            />
            <tbody>
              {items.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link href={`/configurations/${encodeURIComponent(c.id)}`}>
                      {c.displayName}
                    </Link>{' '}
                    {c.zeroConfig && (
                      <span class="pill off" title="Created by the first start (zero-config)">
                        first start
                      </span>
                    )}
                  </td>
                  <td class="mono truncate" title={c.fingerprint}>
                    {c.fingerprint}
                  </td>
                  <td>RSA {c.keyBits}</td>
                  <td>{formatSeconds(c.tokenExpirySeconds)}</td>
                  <td>{pluralDays(ageInDays(c.rotatedAt ?? c.createdAt))}</td>
                  <td>
                    <EnabledSwitch
                      id={`enabled-${c.id}`}
                      name={c.displayName}
                      checked={c.enabled}
                      disabled={!canWrite}
                      onChange={() => void toggle(c)}
                    />
                  </td>
                  {canWrite && (
                    <td class="row-actions">
                      <RowButton
                        label="Rotate"
                        name={c.displayName}
                        onClick={() => setRotating(c)}
                      />
                      <RowDelete name={c.displayName} onClick={() => setDeleting(c)} />
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
          onDone={(updated) => {
            setRotating(null);
            setWarnings(updated.warnings ?? []);
            void list.reload();
          }}
        />
      )}
    </section>
  );
}
