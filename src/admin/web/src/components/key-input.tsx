/**
 * The "Encryption Key" block laid out like Jamf Pro's JSON Web Token Configuration: paste or type
 * a PEM, upload a .pem file, or let the server generate a key. Used by New and by Rotate.
 */
import { describedBy, Field } from './field.js';

/** How the key is supplied. */
export type KeyMode = 'paste' | 'upload' | 'generate';

/** The state of the key block. */
export interface KeyValue {
  mode: KeyMode;
  pem: string;
  file: File | null;
  passphrase: string;
  bits: number;
}

/** A fresh key block (paste mode). */
export const emptyKey = (): KeyValue => ({
  mode: 'paste',
  pem: '',
  file: null,
  passphrase: '',
  bits: 2048,
});

/** Props of {@link KeyInput}. */
export interface KeyInputProps {
  idPrefix: string;
  value: KeyValue;
  onChange: (value: KeyValue) => void;
  error?: string | undefined;
  passphraseError?: string | undefined;
}

const MODES: Array<[KeyMode, string]> = [
  ['paste', 'Paste or Type Encryption Key'],
  ['upload', 'Upload Encryption Key File'],
  ['generate', 'Generate'],
];

/** Radio group + the input for the chosen mode; errors about the key are shown here. */
export function KeyInput({ idPrefix, value, onChange, error, passphraseError }: KeyInputProps) {
  const set = (patch: Partial<KeyValue>) => onChange({ ...value, ...patch });
  const keyId = `${idPrefix}-key-${value.mode}`;
  return (
    <fieldset class="fieldset">
      <legend>Encryption Key</legend>
      <div class="radios" role="radiogroup">
        {MODES.map(([mode, label]) => (
          <label key={mode} class="radio" for={`${idPrefix}-mode-${mode}`}>
            <input
              type="radio"
              id={`${idPrefix}-mode-${mode}`}
              name={`${idPrefix}-mode`}
              value={mode}
              checked={value.mode === mode}
              onChange={() => set({ mode })}
            />
            {label}
          </label>
        ))}
      </div>
      {value.mode === 'paste' && (
        <Field
          id={keyId}
          label="Private key (PEM or OpenSSH)"
          error={error}
          hint="An RSA private key, e.g. made with openssl genrsa -out key.pem 2048."
        >
          <textarea
            id={keyId}
            class="mono"
            rows={8}
            spellcheck={false}
            placeholder="-----BEGIN PRIVATE KEY-----"
            value={value.pem}
            onInput={(e) => set({ pem: e.currentTarget.value })}
            {...describedBy(keyId, error, true)}
          />
        </Field>
      )}
      {value.mode === 'upload' && (
        <Field id={keyId} label="Key file (.pem)" error={error}>
          <input
            id={keyId}
            type="file"
            accept=".pem,.key,application/x-pem-file,text/plain"
            onChange={(e) => set({ file: e.currentTarget.files?.[0] ?? null })}
            {...describedBy(keyId, error)}
          />
        </Field>
      )}
      {value.mode !== 'generate' && (
        <Field
          id={`${idPrefix}-passphrase`}
          label="Passphrase (only for an encrypted key)"
          error={passphraseError}
        >
          <input
            id={`${idPrefix}-passphrase`}
            type="password"
            autocomplete="off"
            value={value.passphrase}
            onInput={(e) => set({ passphrase: e.currentTarget.value })}
            {...describedBy(`${idPrefix}-passphrase`, passphraseError)}
          />
        </Field>
      )}
      {value.mode === 'generate' && (
        <Field
          id={keyId}
          label="Key size"
          error={error}
          hint="The server generates an RSA key; the private key never leaves it."
        >
          <select
            id={keyId}
            value={String(value.bits)}
            onChange={(e) => set({ bits: Number(e.currentTarget.value) })}
            {...describedBy(keyId, error, true)}
          >
            <option value="2048">2048 bits</option>
            <option value="3072">3072 bits</option>
            <option value="4096">4096 bits</option>
          </select>
        </Field>
      )}
    </fieldset>
  );
}

/** The JSON `key` member for paste/generate; upload is sent as multipart (or read as text). */
export async function keyPayload(value: KeyValue): Promise<Record<string, unknown>> {
  if (value.mode === 'generate') return { generate: { bits: value.bits } };
  const pem = value.mode === 'upload' ? ((await value.file?.text()) ?? '') : value.pem;
  return value.passphrase ? { pem, passphrase: value.passphrase } : { pem };
}

/** Picks the message about the key out of an API error (field `key.*` or a KEY_* code). */
export function keyErrorOf(
  fields: Record<string, string>,
  code: string | undefined,
  message: string | undefined,
) {
  const fieldKey = Object.keys(fields).find(
    (k) => k === 'key' || (k.startsWith('key.') && k !== 'key.passphrase'),
  );
  if (fieldKey) return fields[fieldKey];
  if (code?.startsWith('KEY_') && !code.includes('PASSPHRASE')) return `${message} (${code})`;
  return undefined;
}

/** Picks the message about the passphrase out of an API error. */
export function passphraseErrorOf(
  fields: Record<string, string>,
  code: string | undefined,
  message: string | undefined,
) {
  if (fields['key.passphrase']) return fields['key.passphrase'];
  if (fields.passphrase) return fields.passphrase;
  if (code?.startsWith('KEY_') && code.includes('PASSPHRASE')) return `${message} (${code})`;
  return undefined;
}
