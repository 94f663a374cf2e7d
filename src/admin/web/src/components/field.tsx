/** Form building blocks: every control has a <label for>, and errors sit next to the field. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/** Props of {@link Field}. */
export interface FieldProps {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: ComponentChildren;
  children: ComponentChildren;
}

/** A labelled form row with an optional hint and an error message tied via aria-describedby. */
export function Field({ id, label, error, hint, children }: FieldProps) {
  return (
    <div class={error ? 'field has-error' : 'field'}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <div class="hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      {error && (
        <div class="field-error" id={`${id}-error`} role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

/** aria attributes for a control inside a {@link Field}. */
export function describedBy(id: string, error?: string, hint?: boolean) {
  const ids = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return {
    'aria-invalid': error ? ('true' as const) : undefined,
    'aria-describedby': ids || undefined,
  };
}

/** A banner for errors that belong to no single field. */
export function ErrorBanner({ error }: { error: Error | string | undefined | null }) {
  if (!error) return null;
  const text = typeof error === 'string' ? error : error.message;
  const code = typeof error === 'object' && 'code' in error ? String(error.code) : '';
  return (
    <div class="banner error" role="alert">
      {text}
      {code && <span class="code"> ({code})</span>}
    </div>
  );
}

/** A read-only field with a Copy button; the input keeps the value selectable for tests and users. */
export function CopyField({
  id,
  label,
  value,
  multiline,
}: {
  id: string;
  label: string;
  value: string;
  multiline?: boolean;
}) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // Clipboard API refused (e.g. not a secure context): select the text for a manual copy.
      const el = document.getElementById(id) as HTMLInputElement | HTMLTextAreaElement | null;
      el?.select();
      document.execCommand?.('copy');
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <div class="field copy-field">
      <label for={id}>{label}</label>
      <div class="copy-row">
        {multiline ? (
          <textarea
            id={id}
            readOnly
            value={value}
            rows={Math.min(12, value.split('\n').length + 1)}
            class="mono"
          />
        ) : (
          <input id={id} readOnly value={value} class="mono" />
        )}
        <button
          type="button"
          class="button"
          onClick={() => void copy()}
          aria-label={`Copy ${label}`}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  );
}
