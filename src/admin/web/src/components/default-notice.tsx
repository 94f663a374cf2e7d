/**
 * The notice shown while the zero-config "Default" configuration stays enabled beside the admin's
 * own: Portcullis keeps accepting tokens signed with a key Jamf Pro does not have. One click
 * disables it (admins); read-only users are told who can.
 */
import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { defaultBesideOthers } from '../lib/preferred.js';
import type { Configuration } from '../lib/types.js';
import { useCanWrite } from '../lib/user.js';
import { ErrorBanner } from './field.js';

/** Renders nothing unless "Default" is enabled beside another enabled configuration. */
export function DefaultNotice({
  configurations,
  onChanged,
}: {
  configurations: Configuration[];
  onChanged: () => void;
}) {
  const canWrite = useCanWrite();
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const zero = defaultBesideOthers(configurations);
  if (!zero) return null;
  const disable = async () => {
    setBusy(true);
    setError(null);
    try {
      await api('PATCH', `/api/v1/jwt-configurations/${encodeURIComponent(zero.id)}`, {
        enabled: false,
      });
      onChanged();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="banner notice" role="status" id="default-notice">
      <p>
        <strong>“{zero.displayName}”</strong>, the key the first start created, is still enabled
        beside your own configuration. Portcullis accepts tokens signed with either; Jamf Pro only
        has yours. Disable “{zero.displayName}” unless something still signs with it.
      </p>
      <ErrorBanner error={error} />
      {canWrite ? (
        <button type="button" class="button small" disabled={busy} onClick={() => void disable()}>
          {busy ? 'Disabling…' : `Disable “${zero.displayName}”`}
        </button>
      ) : (
        <p class="muted">An admin account can disable it.</p>
      )}
    </div>
  );
}
