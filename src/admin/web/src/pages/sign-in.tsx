/** Sign-in with a local account, and the password change form (forced after a one-time password). */
import { useState } from 'preact/hooks';
import { describedBy, ErrorBanner, Field } from '../components/field.js';
import { ApiError, api, toApiError } from '../lib/api.js';
import { forgetSignInPassword, rememberSignInPassword } from '../lib/one-time-password.js';
import { getSession, parseExpires, setSession } from '../lib/session.js';

function basic(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/** The sign-in page shown whenever there is no session. */
export function SignInPage() {
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await fetch('/api/v1/auth/token', {
        method: 'POST',
        headers: { authorization: basic(username, password), accept: 'application/json' },
        credentials: 'omit',
      });
      if (!res.ok) throw await toApiError(res);
      const body = (await res.json()) as { token: string; expires: unknown };
      // Page memory only: spares a one-time password being typed twice (see one-time-password.ts).
      rememberSignInPassword(password);
      setSession({ token: body.token, expires: parseExpires(body.expires), username });
    } catch (err) {
      setError(
        err instanceof ApiError
          ? err
          : new ApiError(0, 'NETWORK', 'The server could not be reached.'),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="auth-page">
      <form class="auth-card" onSubmit={submit} noValidate>
        <h1 class="brand-title">Portcullis</h1>
        <p class="muted">Sign in to manage JWT configurations and content.</p>
        <ErrorBanner error={error} />
        <Field id="signin-username" label="Username">
          <input
            id="signin-username"
            autocomplete="username"
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </Field>
        <Field id="signin-password" label="Password">
          <input
            id="signin-password"
            type="password"
            autocomplete="current-password"
            required
            autofocus
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
        <button type="submit" class="button primary block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="hint">
          First start? Use the one-time password that <code>portcullis serve</code> printed for the
          user <code>admin</code>.
        </p>
      </form>
    </main>
  );
}

/**
 * Current + new password (twice); the server decides the password rules and says why it refuses.
 * `knownCurrent` is the password just used to sign in (forced change of a one-time password):
 * the current-password field is then not shown, unless the server refuses that password.
 */
export function ChangePasswordForm({
  onDone,
  knownCurrent,
}: {
  onDone: () => void;
  knownCurrent?: string | null;
}) {
  const [current, setCurrent] = useState('');
  const [askCurrent, setAskCurrent] = useState(!knownCurrent);
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [mismatch, setMismatch] = useState('');
  const [busy, setBusy] = useState(false);
  const fields = error?.fieldErrors ?? {};

  const submit = async (e: Event) => {
    e.preventDefault();
    setMismatch(next === repeat ? '' : 'The two new passwords differ.');
    if (next !== repeat) return;
    setBusy(true);
    setError(null);
    try {
      // A password change ends every session, this one too; continue with the new one.
      const res = await api<{ token: string; expires: unknown }>(
        'POST',
        '/api/v1/auth/change-password',
        { currentPassword: askCurrent ? current : (knownCurrent ?? ''), newPassword: next },
      );
      forgetSignInPassword();
      const session = getSession();
      if (session) {
        setSession({ ...session, token: res.token, expires: parseExpires(res.expires) });
      }
      onDone();
    } catch (err) {
      // The remembered password was refused (changed elsewhere meanwhile): ask for it after all.
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        forgetSignInPassword();
        setAskCurrent(true);
      }
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const currentError =
    fields.currentPassword ??
    (error?.status === 401 || error?.status === 403 ? error.message : undefined);
  const newError = fields.newPassword;
  const general = error && !currentError && !newError ? error : null;
  return (
    <form onSubmit={submit} noValidate class="stack">
      <ErrorBanner error={general} />
      {askCurrent && (
        <Field id="pw-current" label="Current password" error={currentError}>
          <input
            id="pw-current"
            type="password"
            autocomplete="current-password"
            value={current}
            onInput={(e) => setCurrent(e.currentTarget.value)}
            {...describedBy('pw-current', currentError)}
          />
        </Field>
      )}
      <Field id="pw-new" label="New password" error={newError} hint="At least 12 characters.">
        <input
          id="pw-new"
          type="password"
          autocomplete="new-password"
          value={next}
          onInput={(e) => setNext(e.currentTarget.value)}
          {...describedBy('pw-new', newError, true)}
        />
      </Field>
      <Field id="pw-repeat" label="Repeat new password" error={mismatch || undefined}>
        <input
          id="pw-repeat"
          type="password"
          autocomplete="new-password"
          value={repeat}
          onInput={(e) => setRepeat(e.currentTarget.value)}
          {...describedBy('pw-repeat', mismatch)}
        />
      </Field>
      <button type="submit" class="button primary" disabled={busy}>
        {busy ? 'Saving…' : 'Change password'}
      </button>
    </form>
  );
}
