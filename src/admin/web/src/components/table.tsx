/** Table pieces every list page shares: the header row, the enabled switch and the row buttons. */
import type { ComponentChildren } from 'preact';

/** What an empty table cell shows, everywhere in the console (one convention). */
export const EMPTY_CELL = '—';

/** A `<thead>` with one `<th scope="col">` per label; falsy labels are left out. */
export function TableHead({ columns }: { columns: Array<string | false | null | undefined> }) {
  return (
    <thead>
      <tr>
        {columns.filter(Boolean).map((c) => (
          <th key={c} scope="col">
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** An enabled/disabled switch with a label for screen readers naming the row. */
export function EnabledSwitch({
  id,
  name,
  checked,
  disabled,
  onChange,
}: {
  id: string;
  name: string;
  checked: boolean;
  disabled: boolean;
  onChange: () => void;
}) {
  return (
    <>
      <input
        type="checkbox"
        class="switch"
        id={id}
        checked={checked}
        disabled={disabled}
        onChange={onChange}
      />
      <label for={id} class="sr-only">
        Enabled: {name}
      </label>
    </>
  );
}

/** A small row button whose accessible name includes the row's name ("Delete alice"). */
export function RowButton({
  label,
  name,
  onClick,
  danger,
}: {
  label: string;
  name: string;
  onClick: () => void;
  danger?: boolean;
}) {
  return (
    <button type="button" class={danger ? 'button small danger' : 'button small'} onClick={onClick}>
      {label}
      <span class="sr-only"> {name}</span>
    </button>
  );
}

/** The "Delete" row button. */
export function RowDelete({ name, onClick }: { name: string; onClick: () => void }) {
  return <RowButton label="Delete" name={name} onClick={onClick} danger />;
}

/** A cell value, or the one empty-cell mark. */
export function orEmpty(value: ComponentChildren): ComponentChildren {
  return value === null || value === undefined || value === '' ? EMPTY_CELL : value;
}
