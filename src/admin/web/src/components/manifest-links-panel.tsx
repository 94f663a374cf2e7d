/**
 * Manifest links of one catalog item: the long-lived, revocable manifest URLs declarations keep.
 * Everyone who may read the item sees the list (label, status, expiry, last use — never a
 * token); admins create links (the URL is shown once, in a copy field), show a link's URL again
 * (recorded in the change log) and revoke with a confirmation.
 */
import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { useResource } from '../lib/use-resource.js';
import { ConfirmDialog } from './dialog.js';
import { CopyField, describedBy, ErrorBanner, Field } from './field.js';
import { orEmpty, RowButton, TableHead } from './table.js';

/** A manifest link as the API lists it. */
interface ManifestLink {
  id: string;
  path: string;
  configurationId: string;
  label: string;
  status: 'active' | 'expired' | 'revoked';
  expiresAt: string;
  lastUsedAt: string | null;
  createdBy: string | null;
}

const BASE = '/api/v1/manifest-links';
const STATUS: Record<ManifestLink['status'], string> = {
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
};

/** The panel; `configurations` are the enabled ones an admin may create a link with. */
export function ManifestLinksPanel({
  path,
  canSign,
  configurations,
}: {
  path: string;
  canSign: boolean;
  configurations: { id: string; displayName: string }[];
}) {
  const links = useResource(
    () => api<{ items: ManifestLink[] }>('GET', `${BASE}?path=${encodeURIComponent(path)}`),
    [path],
  );
  const [shown, setShown] = useState<{ label: string; url: string } | null>(null);
  const [revoking, setRevoking] = useState<ManifestLink | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err as Error);
    }
    await links.reload();
  };
  const items = links.data?.items ?? [];
  return (
    <div class="panel" id="manifest-links">
      <h2>Manifest links</h2>
      <p>
        A manifest link is a long-lived, revocable manifest URL for declarations (
        <code>ManifestURL</code>). Each fetch gets a manifest whose download link is freshly signed
        and short-lived. Treat a link like a password.
      </p>
      <ErrorBanner error={links.error ?? error} />
      {shown && (
        <div class="banner notice" role="status">
          <CopyField
            id="manifest-link-url"
            label={`Manifest URL: ${shown.label}`}
            value={shown.url}
          />
          <p>Copy it now: it is not shown in the list. Show URL gives it again (recorded).</p>
        </div>
      )}
      {items.length === 0 ? (
        <p id="manifest-links-empty">No manifest links yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="table" id="manifest-links-table">
            <TableHead
              columns={[
                'Label',
                'Status',
                'Expires',
                'Last used',
                'Created by',
                canSign && 'Actions',
              ]}
            />
            <tbody>
              {items.map((l) => (
                <tr key={l.id}>
                  <td>{l.label}</td>
                  <td>{STATUS[l.status]}</td>
                  <td>{formatTime(l.expiresAt)}</td>
                  <td>{l.lastUsedAt ? formatTime(l.lastUsedAt) : 'Never'}</td>
                  <td>{orEmpty(l.createdBy)}</td>
                  {canSign && (
                    <td class="row-actions">
                      {l.status === 'active' && (
                        <>
                          <RowButton
                            label="Show URL"
                            name={l.label}
                            onClick={() =>
                              void run(async () => {
                                const r = await api<{ manifestUrl: string }>(
                                  'POST',
                                  `${BASE}/${l.id}/url`,
                                );
                                setShown({ label: l.label, url: r.manifestUrl });
                              })
                            }
                          />
                          <RowButton
                            label="Revoke"
                            name={l.label}
                            danger
                            onClick={() => setRevoking(l)}
                          />
                        </>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canSign && (
        <CreateLinkForm
          path={path}
          configurations={configurations}
          onCreated={(label, url) => {
            setShown({ label, url });
            void links.reload();
          }}
        />
      )}
      {revoking && (
        <ConfirmDialog
          title="Revoke this manifest link?"
          message={
            <p>
              Devices using <strong>{revoking.label}</strong> can no longer fetch the manifest, on
              every node, from now on. Declarations that hold it need a new link. This cannot be
              undone.
            </p>
          }
          confirmLabel="Revoke"
          danger
          onConfirm={() => {
            const target = revoking;
            setRevoking(null);
            if (shown) setShown(null);
            return run(() => api('DELETE', `${BASE}/${target.id}`));
          }}
          onClose={() => setRevoking(null)}
        />
      )}
    </div>
  );
}

function CreateLinkForm({
  path,
  configurations,
  onCreated,
}: {
  path: string;
  configurations: { id: string; displayName: string }[];
  onCreated: (label: string, url: string) => void;
}) {
  const [label, setLabel] = useState('');
  const [days, setDays] = useState('365');
  const [configId, setConfigId] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = configId || configurations[0]?.id || '';
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const created = await api<{ label: string; manifestUrl: string }>('POST', BASE, {
        path,
        configurationId: chosen,
        label,
        expiresInDays: Number(days),
      });
      setLabel('');
      onCreated(created.label, created.manifestUrl);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="inline-form" onSubmit={(e) => void submit(e)} aria-label="Create a manifest link">
      <h3>Create a link</h3>
      <ErrorBanner error={error} />
      <Field id="manifest-link-label" label="Label" hint="What it is for, e.g. DDM: Sales iPads.">
        <input
          id="manifest-link-label"
          value={label}
          maxLength={100}
          required
          onInput={(e) => setLabel(e.currentTarget.value)}
          {...describedBy('manifest-link-label', undefined, true)}
        />
      </Field>
      <Field id="manifest-link-days" label="Lifetime (days)" hint="1 to 730; one year by default.">
        <input
          id="manifest-link-days"
          type="number"
          min={1}
          max={730}
          value={days}
          required
          onInput={(e) => setDays(e.currentTarget.value)}
          {...describedBy('manifest-link-days', undefined, true)}
        />
      </Field>
      <Field
        id="manifest-link-config"
        label="JWT configuration"
        hint="Signs the short-lived download links inside each manifest."
      >
        <select
          id="manifest-link-config"
          value={chosen}
          onChange={(e) => setConfigId(e.currentTarget.value)}
          {...describedBy('manifest-link-config', undefined, true)}
        >
          {configurations.length === 0 && <option value="">No enabled configuration</option>}
          {configurations.map((c) => (
            <option key={c.id} value={c.id}>
              {c.displayName}
            </option>
          ))}
        </select>
      </Field>
      <button type="submit" class="button primary" disabled={busy || chosen === ''}>
        Create link
      </button>
    </form>
  );
}
