/**
 * A modal dialog: focus moves into it, Tab cycles inside it, Escape closes it, and focus returns
 * to the control that opened it. Used for confirmations and the rotate sheet.
 */
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Props of {@link Dialog}. */
export interface DialogProps {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
}

/** Focus-trapped modal dialog with a title; closes on Escape or a click on the backdrop. */
export function Dialog({ title, onClose, children, wide }: DialogProps) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useRef(`dialog-${Math.random().toString(36).slice(2)}`).current;

  // A layout effect: focus is inside the dialog before the browser paints or handles another
  // key, so a quick second Enter can never reach the button that opened it.
  useLayoutEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const box = ref.current!;
    const first = box.querySelector<HTMLElement>(`[autofocus], ${FOCUSABLE}`);
    (first ?? box).focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        onClose();
        return;
      }
      if (e.key !== 'Tab') return;
      const items = [...box.querySelectorAll<HTMLElement>(FOCUSABLE)];
      if (items.length === 0) return;
      const head = items[0]!;
      const tail = items[items.length - 1]!;
      if (e.shiftKey && document.activeElement === head) {
        e.preventDefault();
        tail.focus();
      } else if (!e.shiftKey && document.activeElement === tail) {
        e.preventDefault();
        head.focus();
      }
    };
    // A press on the backdrop (outside the box) closes, like Escape.
    const backdrop = box.parentElement!;
    const onBackdrop = (e: MouseEvent) => {
      if (e.target === backdrop) onClose();
    };
    document.addEventListener('keydown', onKey);
    backdrop.addEventListener('mousedown', onBackdrop);
    return () => {
      document.removeEventListener('keydown', onKey);
      backdrop.removeEventListener('mousedown', onBackdrop);
      opener?.focus?.();
    };
  }, [onClose]);

  return (
    <div class="backdrop">
      <div
        ref={ref}
        class={wide ? 'dialog wide' : 'dialog'}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
      >
        <h2 id={titleId}>{title}</h2>
        {children}
      </div>
    </div>
  );
}

/** Props of {@link ConfirmDialog}. */
export interface ConfirmProps {
  title: string;
  message: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void | Promise<void>;
  onClose: () => void;
}

/** A yes/no confirmation; the safe choice (Cancel) has focus first. */
export function ConfirmDialog(props: ConfirmProps) {
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <div class="dialog-body">{props.message}</div>
      <div class="actions">
        <button type="button" class="button" autofocus onClick={props.onClose}>
          Cancel
        </button>
        <button
          type="button"
          class={props.danger ? 'button danger' : 'button primary'}
          onClick={() => void props.onConfirm()}
        >
          {props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
