/** Jamf's "Token Expiry" pop-up: presets from 5 minutes to 1 week, or a custom duration. */
import { describedBy, Field } from './field.js';

/** Presets offered in the pop-up (the API accepts the same strings). */
export const EXPIRY_PRESETS: Array<[string, string]> = [
  ['5m', '5 minutes'],
  ['15m', '15 minutes'],
  ['30m', '30 minutes'],
  ['1h', '1 hour'],
  ['4h', '4 hours'],
  ['12h', '12 hours'],
  ['1d', '1 day'],
  ['1w', '1 week'],
];

/** Props of {@link ExpiryInput}. */
export interface ExpiryInputProps {
  idPrefix: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
}

const isPreset = (v: string) => EXPIRY_PRESETS.some(([p]) => p === v);

/** A select with the presets and "Custom…", which reveals a free duration field. */
export function ExpiryInput({ idPrefix, value, onChange, error }: ExpiryInputProps) {
  const custom = !isPreset(value);
  const id = `${idPrefix}-expiry`;
  return (
    <>
      <Field id={id} label="Token Expiry" error={custom ? undefined : error}>
        <select
          id={id}
          value={custom ? 'custom' : value}
          onChange={(e) =>
            onChange(e.currentTarget.value === 'custom' ? '' : e.currentTarget.value)
          }
          {...describedBy(id, custom ? undefined : error)}
        >
          {EXPIRY_PRESETS.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
          <option value="custom">Custom…</option>
        </select>
      </Field>
      {custom && (
        <Field
          id={`${id}-custom`}
          label="Custom expiry"
          error={error}
          hint="A duration such as 90m, 2h or 3d."
        >
          <input
            id={`${id}-custom`}
            value={value}
            placeholder="90m"
            onInput={(e) => onChange(e.currentTarget.value.trim())}
            {...describedBy(`${id}-custom`, error, true)}
          />
        </Field>
      )}
    </>
  );
}
