/**
 * External JWT servers ("API access with JWT", admin only like the API): which issuers may call
 * the admin API with their own tokens. The list toggles and deletes; New and a row's name open
 * the form, whose page also has "Test connection" — configure the server, then test it.
 */
import { useState } from 'preact/hooks';
import { ConfirmDialog } from '../components/dialog.js';
import { ErrorBanner } from '../components/field.js';
import { EnabledSwitch, RowDelete, TableHead } from '../components/table.js';
import { api } from '../lib/api.js';
import { Link } from '../lib/router.js';
import { itemsOf, type JwtServer } from '../lib/types.js';
import { useResource } from '../lib/use-resource.js';
import { useCanWrite } from '../lib/user.js';
import { AdminOnly, RolePill } from './accounts.js';

/** Base URL of the JWT server routes. */
export const JWT_SERVERS = '/api/v1/jwt-servers';
/** API URL of one JWT server. */
export const jwtServerUrl = (id: string, suffix = '') =>
  `${JWT_SERVERS}/${encodeURIComponent(id)}${suffix}`;

/** External JWT servers page. */
export function JwtServersPage() {
  if (!useCanWrite()) return <AdminOnly title="External JWT Servers" />;
  return <JwtServerList />;
}

function JwtServerList() {
  const list = useResource(
    async () => itemsOf(await api<{ items: JwtServer[] }>('GET', JWT_SERVERS)),
    [],
  );
  const [actionError, setActionError] = useState<Error | null>(null);
  const [deleting, setDeleting] = useState<JwtServer | null>(null);
  const run = async (fn: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await fn();
    } catch (err) {
      setActionError(err as Error);
    }
    await list.reload();
  };
  const items = list.data ?? [];
  return (
    <section>
      <header class="page-head">
        <h1>External JWT Servers</h1>
        <Link href="/jwt-servers/new" class="button primary">
          + New
        </Link>
      </header>
      <p class="muted">
        Scripts and CI systems can call the admin API with tokens from their own identity provider.
        Each server below is trusted for its issuer and audience, with one role.
      </p>
      <ErrorBanner error={list.error ?? actionError} />
      {list.loading && !list.data ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p class="empty">No external JWT servers. Add one with New, then test it.</p>
      ) : (
        <div class="table-wrap">
          <table class="table" id="jwt-servers-table">
            <TableHead
              columns={[
                'Name',
                'Issuer',
                'Verified with',
                'Audience',
                'Role',
                'Enabled',
                'Actions',
              ]}
            />
            <tbody>
              {items.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link href={`/jwt-servers/${encodeURIComponent(s.id)}`}>{s.name}</Link>
                    {s.warnings.length > 0 && (
                      <span class="pill warn" title={s.warnings.join('\n')}>
                        warning
                      </span>
                    )}
                  </td>
                  <td class="mono truncate" title={s.issuer}>
                    {s.issuer}
                  </td>
                  <td>{s.jwksUrl ? 'JWKS URL' : 'Shared secret'}</td>
                  <td class="mono truncate" title={s.audience}>
                    {s.audience}
                  </td>
                  <td>
                    <RolePill role={s.role} />
                  </td>
                  <td>
                    <EnabledSwitch
                      id={`jwt-server-enabled-${s.id}`}
                      name={s.name}
                      checked={s.enabled}
                      disabled={false}
                      onChange={() =>
                        void run(() => api('PATCH', jwtServerUrl(s.id), { enabled: !s.enabled }))
                      }
                    />
                  </td>
                  <td class="row-actions">
                    <Link href={`/jwt-servers/${encodeURIComponent(s.id)}`} class="button small">
                      Edit / Test<span class="sr-only"> {s.name}</span>
                    </Link>
                    <RowDelete name={s.name} onClick={() => setDeleting(s)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deleting && (
        <ConfirmDialog
          title="Stop trusting this server?"
          message={
            <p>
              Tokens from <strong>{deleting.name}</strong> ({deleting.issuer}) will be refused at
              once. This cannot be undone.
            </p>
          }
          confirmLabel="Delete"
          danger
          onConfirm={() => {
            const target = deleting;
            setDeleting(null);
            return run(() => api('DELETE', jwtServerUrl(target.id)));
          }}
          onClose={() => setDeleting(null)}
        />
      )}
    </section>
  );
}
