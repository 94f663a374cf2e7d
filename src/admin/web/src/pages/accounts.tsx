/**
 * Local accounts (admin only, like the API): list with role and status, create with a one-time
 * password, change role, disable/enable, reset the password, delete. The server enforces every
 * rule (the last enabled admin stays; passwords need 12 characters) and says why it refuses.
 */
import { useContext, useState } from 'preact/hooks';
import { ConfirmDialog, Dialog } from '../components/dialog.js';
import { describedBy, ErrorBanner, Field } from '../components/field.js';
import { EnabledSwitch, orEmpty, RowButton, RowDelete, TableHead } from '../components/table.js';
import { ApiError, api } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { type Account, itemsOf } from '../lib/types.js';
import { useResource } from '../lib/use-resource.js';
import { UserContext, useCanWrite } from '../lib/user.js';

const BASE = '/api/v1/accounts';
const accountUrl = (a: Account) => `${BASE}/${encodeURIComponent(a.id)}`;

/** Accounts page. */
export function AccountsPage() {
  if (!useCanWrite()) return <AdminOnly title="Accounts" />;
  return <AccountsList />;
}

/** What a read-only user sees on an admin-only page (the API would answer 403). */
export function AdminOnly({ title }: { title: string }) {
  return (
    <section>
      <h1>{title}</h1>
      <p>Only an admin account can see and change this page.</p>
    </section>
  );
}

function AccountsList() {
  const list = useResource(async () => itemsOf(await api<{ items: Account[] }>('GET', BASE)), []);
  const me = useContext(UserContext);
  const [actionError, setActionError] = useState<Error | null>(null);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Account | null>(null);
  const [deleting, setDeleting] = useState<Account | null>(null);
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
        <h1>Accounts</h1>
        <button type="button" class="button primary" onClick={() => setCreating(true)}>
          + New account
        </button>
      </header>
      <p class="muted">
        Local accounts sign in to this console and the admin API. Admins change everything;
        read-only accounts see configurations, content and the audit log.
      </p>
      <ErrorBanner error={list.error ?? actionError} />
      {list.loading && !list.data ? (
        <p>Loading…</p>
      ) : (
        <div class="table-wrap">
          <table class="table" id="accounts-table">
            <TableHead
              columns={['Username', 'Role', 'Enabled', 'Last sign-in', 'Created', 'Actions']}
            />
            <tbody>
              {items.map((a) => (
                <tr key={a.id}>
                  <td>
                    {a.username}
                    {a.username === me?.username && <span class="muted"> (you)</span>}
                    {a.mustChangePassword && (
                      <span class="pill warn" title="Must choose a new password at next sign-in">
                        one-time password
                      </span>
                    )}
                  </td>
                  <td>
                    <RolePill role={a.role} />
                  </td>
                  <td>
                    <EnabledSwitch
                      id={`account-enabled-${a.id}`}
                      name={a.username}
                      checked={!a.disabled}
                      disabled={false}
                      onChange={() =>
                        void run(() => api('PATCH', accountUrl(a), { disabled: !a.disabled }))
                      }
                    />
                  </td>
                  <td>{orEmpty(a.lastLoginAt && formatTime(a.lastLoginAt))}</td>
                  <td>{formatTime(a.createdAt)}</td>
                  <td class="row-actions">
                    <RowButton label="Edit" name={a.username} onClick={() => setEditing(a)} />
                    <RowDelete name={a.username} onClick={() => setDeleting(a)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && (
        <AccountDialog
          onClose={() => setCreating(false)}
          onDone={() => {
            setCreating(false);
            void list.reload();
          }}
        />
      )}
      {editing && (
        <AccountDialog
          account={editing}
          onClose={() => setEditing(null)}
          onDone={() => {
            setEditing(null);
            void list.reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete account?"
          message={
            <p>
              <strong>{deleting.username}</strong> can no longer sign in, and its sessions end at
              once. This cannot be undone.
            </p>
          }
          confirmLabel="Delete"
          danger
          onConfirm={() => {
            const target = deleting;
            setDeleting(null);
            return run(() => api('DELETE', accountUrl(target)));
          }}
          onClose={() => setDeleting(null)}
        />
      )}
    </section>
  );
}

/** The role as a pill (admin stands out). */
export function RolePill({ role }: { role: string }) {
  return <span class={role === 'admin' ? 'pill admin' : 'pill off'}>{role}</span>;
}

/** Create (no `account`) or edit: role and an optional password reset (one-time). */
function AccountDialog({
  account,
  onClose,
  onDone,
}: {
  account?: Account;
  onClose: () => void;
  onDone: () => void;
}) {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<string>(account?.role ?? 'read-only');
  const [password, setPassword] = useState('');
  const [oneTime, setOneTime] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const fields = error?.fieldErrors ?? {};
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (account) {
        const patch: Record<string, unknown> = {};
        if (role !== account.role) patch.role = role;
        if (password) patch.password = password;
        if (Object.keys(patch).length > 0) await api('PATCH', accountUrl(account), patch);
      } else {
        await api('POST', BASE, { username, password, role, mustChangePassword: oneTime });
      }
      onDone();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', (err as Error).message));
    } finally {
      setBusy(false);
    }
  };
  const shown = fields.username || fields.password || fields.role;
  return (
    <Dialog title={account ? `Edit ${account.username}` : 'New account'} onClose={onClose}>
      <form onSubmit={submit} noValidate class="stack">
        <ErrorBanner error={error && !shown ? error : null} />
        {!account && (
          <Field id="account-username" label="Username" error={fields.username}>
            <input
              id="account-username"
              autocomplete="off"
              value={username}
              onInput={(e) => setUsername(e.currentTarget.value)}
              {...describedBy('account-username', fields.username)}
            />
          </Field>
        )}
        <Field id="account-role" label="Role" error={fields.role}>
          <select
            id="account-role"
            value={role}
            onChange={(e) => setRole(e.currentTarget.value)}
            {...describedBy('account-role', fields.role)}
          >
            <option value="read-only">read-only — sees everything, changes nothing</option>
            <option value="admin">admin — changes everything</option>
          </select>
        </Field>
        <Field
          id="account-password"
          label={account ? 'New one-time password (leave empty to keep)' : 'Password'}
          error={fields.password}
          hint="At least 12 characters. Give it to the user over a channel you trust."
        >
          <input
            id="account-password"
            type="password"
            autocomplete="new-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            {...describedBy('account-password', fields.password, true)}
          />
        </Field>
        {!account && (
          <div class="field checkbox">
            <input
              id="account-one-time"
              type="checkbox"
              checked={oneTime}
              onChange={(e) => setOneTime(e.currentTarget.checked)}
            />
            <label for="account-one-time">
              One-time password (the user chooses their own at first sign-in)
            </label>
          </div>
        )}
        <div class="actions">
          <button type="button" class="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button primary" disabled={busy}>
            {busy ? 'Saving…' : account ? 'Save' : 'Create account'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
