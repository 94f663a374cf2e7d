/** The form of an external JWT server, for New and Edit (the data side: lib/jwt-server-draft.ts). */
import { useState } from 'preact/hooks';
import { ApiError } from '../lib/api.js';
import { bodyOf, draftOf, type JwtServerDraft } from '../lib/jwt-server-draft.js';
import type { JwtServer } from '../lib/types.js';
import { describedBy, ErrorBanner, Field } from './field.js';

type Set = <K extends keyof JwtServerDraft>(key: K) => (value: JwtServerDraft[K]) => void;

/** New (no `server`) or Edit; `onSubmit` sends the body and may throw ApiError. */
export function JwtServerForm({
  server,
  onSubmit,
  submitLabel,
}: {
  server?: JwtServer;
  onSubmit: (body: Record<string, unknown>) => Promise<void>;
  submitLabel: string;
}) {
  const [d, setDraft] = useState<JwtServerDraft>(draftOf(server));
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const set: Set = (key) => (value) => setDraft((prev) => ({ ...prev, [key]: value }));
  const f = error?.fieldErrors ?? {};
  const errors: Record<string, string | undefined> = {
    ...f,
    requiredClaims: Object.entries(f).find(([k]) => k.startsWith('requiredClaims'))?.[1],
    key: d.method === 'jwks' ? f.jwksUrl : f.sharedSecret,
  };
  const shownKeys = ['name', 'issuer', 'key', 'audience', 'role', 'usernameClaim'];
  const shown = [...shownKeys, 'requiredClaims', 'maxTokenLifetimeSeconds'].some((k) => errors[k]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    let body: Record<string, unknown>;
    try {
      body = bodyOf(d, server);
    } catch (err) {
      const message = (err as Error).message;
      setError(new ApiError(0, 'CLIENT', message, { requiredClaims: message }));
      return;
    }
    setBusy(true);
    try {
      await onSubmit(body);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', (err as Error).message));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="sheet" onSubmit={submit} noValidate>
      <ErrorBanner error={error && !shown ? error : null} />
      <TextField
        id="srv-name"
        label="Name"
        value={d.name}
        onInput={set('name')}
        error={errors.name}
      >
        Shown in the audit log as jwt-server:&lt;name&gt;/&lt;user&gt;.
      </TextField>
      <TextField
        id="srv-issuer"
        label="Issuer (iss)"
        value={d.issuer}
        onInput={set('issuer')}
        error={errors.issuer}
      >
        Exactly as the tokens carry it, e.g. https://login.example.com.
      </TextField>
      <VerificationFields
        draft={d}
        set={set}
        error={errors.key}
        storedSecret={Boolean(server?.hasSharedSecret)}
      />
      <TextField
        id="srv-audience"
        label="Audience (aud)"
        value={d.audience}
        onInput={set('audience')}
        error={errors.audience}
      >
        The audience the tokens must carry for Portcullis.
      </TextField>
      <PolicyFields draft={d} set={set} errors={errors} />
      <div class="actions">
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
      </div>
    </form>
  );
}

function TextField(props: {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  error?: string | undefined;
  children: string | string[];
}) {
  const { id, label, value, onInput, error, children } = props;
  return (
    <Field id={id} label={label} error={error} hint={children}>
      <input
        id={id}
        value={value}
        autocomplete="off"
        onInput={(e) => onInput(e.currentTarget.value)}
        {...describedBy(id, error, true)}
      />
    </Field>
  );
}

function VerificationFields({
  draft: d,
  set,
  error,
  storedSecret,
}: {
  draft: JwtServerDraft;
  set: Set;
  error: string | undefined;
  storedSecret: boolean;
}) {
  return (
    <fieldset class="fieldset">
      <legend>Tokens are verified with</legend>
      <div class="radios" role="radiogroup">
        <label class="radio" for="srv-method-jwks">
          <input
            type="radio"
            id="srv-method-jwks"
            name="srv-method"
            checked={d.method === 'jwks'}
            onChange={() => set('method')('jwks')}
          />
          JWKS URL (RS256/ES256)
        </label>
        <label class="radio" for="srv-method-secret">
          <input
            type="radio"
            id="srv-method-secret"
            name="srv-method"
            checked={d.method === 'secret'}
            onChange={() => set('method')('secret')}
          />
          Shared secret (HS256)
        </label>
      </div>
      {d.method === 'jwks' ? (
        <TextField
          id="srv-jwks"
          label="JWKS URL"
          value={d.jwksUrl}
          onInput={set('jwksUrl')}
          error={error}
        >
          The identity provider's public keys, e.g. https://login.example.com/.well-known/jwks.json.
        </TextField>
      ) : (
        <Field
          id="srv-secret"
          label="Shared secret"
          error={error}
          hint={
            storedSecret
              ? 'Stored encrypted and never shown. Leave empty to keep it.'
              : 'At least 32 characters. Stored encrypted and never shown again.'
          }
        >
          <input
            id="srv-secret"
            type="password"
            autocomplete="off"
            value={d.secret}
            onInput={(e) => set('secret')(e.currentTarget.value)}
            {...describedBy('srv-secret', error, true)}
          />
        </Field>
      )}
    </fieldset>
  );
}

function PolicyFields({
  draft: d,
  set,
  errors,
}: {
  draft: JwtServerDraft;
  set: Set;
  errors: Record<string, string | undefined>;
}) {
  const lifetimeError = errors.maxTokenLifetimeSeconds;
  return (
    <>
      <Field id="srv-role" label="Role" error={errors.role}>
        <select
          id="srv-role"
          value={d.role}
          onChange={(e) => set('role')(e.currentTarget.value)}
          {...describedBy('srv-role', errors.role)}
        >
          <option value="read-only">read-only — sees everything, changes nothing</option>
          <option value="admin">admin — changes everything</option>
        </select>
      </Field>
      <TextField
        id="srv-username-claim"
        label="Username claim"
        value={d.usernameClaim}
        onInput={set('usernameClaim')}
        error={errors.usernameClaim}
      >
        The claim that names the caller, e.g. sub, email or repository.
      </TextField>
      <Field
        id="srv-claims"
        label="Required claims"
        error={errors.requiredClaims}
        hint="One per line: claim = value. Repeat a claim to accept several values. Shared issuers (GitHub Actions, Google…) need one that names your tenant."
      >
        <textarea
          id="srv-claims"
          rows={4}
          class="mono"
          value={d.claims}
          placeholder="repository_owner = example-org"
          onInput={(e) => set('claims')(e.currentTarget.value)}
          {...describedBy('srv-claims', errors.requiredClaims, true)}
        />
      </Field>
      <Field
        id="srv-lifetime"
        label="Longest token lifetime (minutes)"
        error={lifetimeError}
        hint="exp − iat may not exceed this (1 to 1440 minutes)."
      >
        <input
          id="srv-lifetime"
          type="number"
          min={1}
          max={1440}
          value={d.minutes}
          onInput={(e) => set('minutes')(e.currentTarget.value)}
          {...describedBy('srv-lifetime', lifetimeError, true)}
        />
      </Field>
      <div class="field checkbox">
        <input
          id="srv-enabled"
          type="checkbox"
          checked={d.enabled}
          onChange={(e) => set('enabled')(e.currentTarget.checked)}
        />
        <label for="srv-enabled">Enabled (tokens from this server are accepted)</label>
      </div>
    </>
  );
}
