/**
 * The one error base class of Portcullis. Every module that refuses input throws a subclass
 * carrying a stable UPPER_SNAKE `code` (documented in docs/errors.md) and the HTTP `status`
 * a server should answer with. Programmer mistakes throw plain `TypeError` instead.
 */

/** Base class for every coded, user-facing refusal in Portcullis. */
export class PortcullisError extends Error {
  /** Stable machine-readable code, e.g. `TOKEN_EXPIRED`. */
  readonly code: string;
  /** HTTP status a server should use when this error ends a request. */
  readonly status: number;

  constructor(code: string, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }
}

/** True when `value` is a PortcullisError (works across duplicated module copies via `code`/`status`). */
export function isPortcullisError(value: unknown): value is PortcullisError {
  return (
    value instanceof PortcullisError ||
    (value instanceof Error &&
      typeof (value as { code?: unknown }).code === 'string' &&
      typeof (value as { status?: unknown }).status === 'number')
  );
}
