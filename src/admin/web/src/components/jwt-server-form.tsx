/**
 * The form of an external JWT server, for New and Edit. Required claims are typed one per line
 * as `claim = value` (repeat a claim for several accepted values), which is how Mac admins read
 * them in an IdP's token; the API receives the JSON object. The shared secret is write-only: on
 * Edit an empty field keeps the stored one.
 */
import { useState } from 'preact/hooks';
import { ApiError } from '../lib/api.js';
import type { JwtServer } from '../lib/types.js';
import { describedBy, ErrorBanner, Field } from './field.js';

/** Parses `claim = value` lines into requiredClaims; throws a message for a line without `=`. */
export function parseClaims(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const at = line.indexOf('=');
    if (at <= 0) throw new Error(`Line ${i + 1}: write claim = value`);
    const name = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    const prev = Object.hasOwn(out, name) ? out[name] : undefined;
    out[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  return out;
}

/** The inverse of {@link parseClaims}. */
export function formatClaims(claims: Record<string, string | string[]>): string {
  return Object.entries(claims)
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k} = ${x}`))
    .join('\n');
}

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
  const [name, setName] = useState(server?.name ?? '');
  const [issuer, setIssuer] = useState(server?.issuer ?? '');
  const [method, setMethod] = useState<'jwks' | 'secret'>(
    server && !server.jwksUrl ? 'secret' : 'jwks',
  );
  const [jwksUrl, setJwksUrl] = useState(server?.jwksUrl ?? '');
  const [secret, setSecret] = useState('');
  const [audience, setAudience] = useState(server?.audience ?? '');
  const [role, setRole] = useState<string>(server?.role ?? 'read-only');
  const [usernameClaim, setUsernameClaim] = useState(server?.usernameClaim ?? 'sub');
  const [claims, setClaims] = useState(formatClaims(server?.requiredClaims ?? {}));
  const [minutes, setMinutes] = useState(String((server?.maxTokenLifetimeSeconds ?? 3600) / 60));
  const [enabled, setEnabled] = useState(server?.enabled ?? true);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const f = error?.fieldErrors ?? {};
  const claimsError = Object.entries(f).find(([k]) => k.startsWith('requiredClaims'))?.[1];
  const lifetimeError = f.maxTokenLifetimeSeconds;
  const keyError = method === 'jwks' ? f.jwksUrl : f.sharedSecret;
  const shown = [
    f.name,
    f.issuer,
    keyError,
    f.audience,
    f.role,
    f.usernameClaim,
    claimsError,
    lifetimeError,
  ];

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    let requiredClaims: Record<string, string | string[]>;
    try {
      requiredClaims = parseClaims(claims);
    } catch (err) {
      const message = (err as Error).message;
      setError(new ApiError(0, 'CLIENT', message, { requiredClaims: message }));
      return;
    }
    const body: Record<string, unknown> = {
      name,
      issuer,
      audience,
      role,
      usernameClaim,
      requiredClaims,
      maxTokenLifetimeSeconds: Math.round(Number(minutes) * 60),
      enabled,
    };
    if (method === 'jwks' && (!server || jwksUrl !== (server.jwksUrl ?? '')))
      body.jwksUrl = jwksUrl;
    // Write-only: an empty field on Edit keeps the stored secret (unless switching to it).
    if (method === 'secret' && (secret !== '' || !server?.hasSharedSecret))
      body.sharedSecret = secret;
    setBusy(true);
    try {
      await onSubmit(body);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', (err as Error).message));
    } finally {
      setBusy(false);
    }
  };
  const text = (
    id: string,
    label: string,
    value: string,
    set: (v: string) => void,
    err?: string,
    hint?: string,
  ) => (
    <Field id={id} label={label} error={err} hint={hint}>
      <input
        id={id}
        value={value}
        autocomplete="off"
        onInput={(e) => set(e.currentTarget.value)}
        {...describedBy(id, err, Boolean(hint))}
      />
    </Field>
  );
  return (
    <form class="sheet" onSubmit={submit} noValidate>
      <ErrorBanner error={error && !shown.some(Boolean) ? error : null} />
      {text(
        'srv-name',
        'Name',
        name,
        setName,
        f.name,
        'Shown in the audit log: jwt-server:<name>/<user>.',
      )}
      {text(
        'srv-issuer',
        'Issuer (iss)',
        issuer,
        setIssuer,
        f.issuer,
        'Exactly as the tokens carry it, e.g. https://login.example.com.',
      )}
      <fieldset class="fieldset">
        <legend>Tokens are verified with</legend>
        <div class="radios" role="radiogroup">
          <label class="radio" for="srv-method-jwks">
            <input
              type="radio"
              id="srv-method-jwks"
              name="srv-method"
              checked={method === 'jwks'}
              onChange={() => setMethod('jwks')}
            />
            JWKS URL (RS256/ES256)
          </label>
          <label class="radio" for="srv-method-secret">
            <input
              type="radio"
              id="srv-method-secret"
              name="srv-method"
              checked={method === 'secret'}
              onChange={() => setMethod('secret')}
            />
            Shared secret (HS256)
          </label>
        </div>
        {method === 'jwks' ? (
          text(
            'srv-jwks',
            'JWKS URL',
            jwksUrl,
            setJwksUrl,
            keyError,
            "The identity provider's public keys, e.g. https://login.example.com/.well-known/jwks.json.",
          )
        ) : (
          <Field
            id="srv-secret"
            label="Shared secret"
            error={keyError}
            hint={
              server?.hasSharedSecret
                ? 'Stored encrypted and never shown. Leave empty to keep it.'
                : 'At least 32 characters. Stored encrypted and never shown again.'
            }
          >
            <input
              id="srv-secret"
              type="password"
              autocomplete="off"
              value={secret}
              onInput={(e) => setSecret(e.currentTarget.value)}
              {...describedBy('srv-secret', keyError, true)}
            />
          </Field>
        )}
      </fieldset>
      {text(
        'srv-audience',
        'Audience (aud)',
        audience,
        setAudience,
        f.audience,
        'The audience the tokens must carry for Portcullis.',
      )}
      <Field id="srv-role" label="Role" error={f.role}>
        <select
          id="srv-role"
          value={role}
          onChange={(e) => setRole(e.currentTarget.value)}
          {...describedBy('srv-role', f.role)}
        >
          <option value="read-only">read-only — sees everything, changes nothing</option>
          <option value="admin">admin — changes everything</option>
        </select>
      </Field>
      {text(
        'srv-username-claim',
        'Username claim',
        usernameClaim,
        setUsernameClaim,
        f.usernameClaim,
        'The claim that names the caller, e.g. sub, email or repository.',
      )}
      <Field
        id="srv-claims"
        label="Required claims"
        error={claimsError}
        hint="One per line: claim = value. Repeat a claim to accept several values. Shared issuers (GitHub Actions, Google…) need one that names your tenant."
      >
        <textarea
          id="srv-claims"
          rows={4}
          class="mono"
          value={claims}
          placeholder="repository_owner = example-org"
          onInput={(e) => setClaims(e.currentTarget.value)}
          {...describedBy('srv-claims', claimsError, true)}
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
          value={minutes}
          onInput={(e) => setMinutes(e.currentTarget.value)}
          {...describedBy('srv-lifetime', lifetimeError, true)}
        />
      </Field>
      <div class="field checkbox">
        <input
          id="srv-enabled"
          type="checkbox"
          checked={enabled}
          onChange={(e) => setEnabled(e.currentTarget.checked)}
        />
        <label for="srv-enabled">Enabled (tokens from this server are accepted)</label>
      </div>
      <div class="actions">
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
      </div>
    </form>
  );
}
