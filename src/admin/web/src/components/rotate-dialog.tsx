/** Replaces a configuration's key (paste, upload or generate) after the user confirms. */
import { useState } from 'preact/hooks';
import { ApiError, api } from '../lib/api.js';
import type { Configuration, ConfigurationAnswer } from '../lib/types.js';
import { Dialog } from './dialog.js';
import { ErrorBanner } from './field.js';
import {
  emptyKey,
  KeyInput,
  type KeyValue,
  keyErrorOf,
  keyPayload,
  passphraseErrorOf,
} from './key-input.js';

/** Props of {@link RotateDialog}. */
export interface RotateDialogProps {
  configuration: Configuration;
  onClose: () => void;
  /** Gets the answer, with its warnings (the new key already in another configuration). */
  onDone: (updated: ConfigurationAnswer) => void;
}

/** The rotate sheet; the new key replaces the old one immediately (see docs/admin-api.md). */
export function RotateDialog({ configuration, onClose, onDone }: RotateDialogProps) {
  const [key, setKey] = useState<KeyValue>({ ...emptyKey(), mode: 'generate' });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const fields = error?.fieldErrors ?? {};
  const keyError = keyErrorOf(fields, error?.code, error?.message);
  const passphraseError = passphraseErrorOf(fields, error?.code, error?.message);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const updated = await api<ConfigurationAnswer>(
        'POST',
        `/api/v1/jwt-configurations/${encodeURIComponent(configuration.id)}/rotate`,
        {
          key: await keyPayload(key),
        },
      );
      onDone(updated);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', (err as Error).message));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Rotate key of ${configuration.displayName}`} onClose={onClose} wide>
      <form onSubmit={submit} noValidate>
        <p class="warning-text">
          The new key replaces the old one at once: URLs signed with the old key stop working, and
          Jamf Pro must be given the new key.
        </p>
        <ErrorBanner error={error && !keyError && !passphraseError ? error : null} />
        <KeyInput
          idPrefix="rotate"
          value={key}
          onChange={setKey}
          error={keyError}
          passphraseError={passphraseError}
        />
        <div class="actions">
          <button type="button" class="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button primary" disabled={busy}>
            {busy ? 'Rotating…' : 'Rotate key'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
