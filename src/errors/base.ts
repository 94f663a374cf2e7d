/**
 * The one error base class of Portcullis. Every module that refuses input throws a subclass made
 * by `codedErrorClass` (src/errors/define.ts) from its area's registry, so every coded error
 * carries a stable UPPER_SNAKE `code` (documented in docs/errors.md), the HTTP `status` a server
 * should answer with, and its registry entry's human `title` and `remedy`. Programmer mistakes
 * throw plain `TypeError` instead.
 */

/** One registry entry: the same shape in every area. */
export interface ErrorEntry {
  /** HTTP status a server answers with when this error ends a request. */
  status: number;
  /** A human phrase saying what went wrong; never a token, key material or an absolute path. */
  message: string;
  /** What the user can do about it. */
  remedy: string;
}

/** What every coded error may carry besides its code and message. */
export interface CodedErrorOptions {
  /** The underlying failure, for logs only (never shown to a client). */
  cause?: unknown;
  /** Extra members of an API answer (e.g. `retryAfter` seconds); never secrets. */
  extra?: Record<string, unknown>;
}

/** Base class for every coded, user-facing refusal in Portcullis. */
export class PortcullisError extends Error {
  /** Stable machine-readable code, e.g. `TOKEN_EXPIRED`. */
  readonly code: string;
  /** HTTP status a server should use when this error ends a request. */
  readonly status: number;
  /** The area whose registry defines `code` (e.g. `token`), so one code name stays unambiguous. */
  readonly area: string;
  /** The registry's human phrase for `code`; `message` may be more specific. */
  readonly title: string;
  /** What to do about it, from the registry. */
  readonly remedy: string;
  /**
   * The message an API client may read: `message`, unless the area writes terminal-oriented
   * messages (a file-name prefix and a CLI remedy), where it is the registry's phrase.
   */
  readonly publicMessage: string;
  /** Extra members of an API answer, if any. */
  readonly extra: Record<string, unknown> | undefined;

  constructor(
    code: string,
    entry: ErrorEntry & { area: string },
    message: string,
    options?: CodedErrorOptions & { publicMessage?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = entry.status;
    this.area = entry.area;
    this.title = entry.message;
    this.remedy = entry.remedy;
    this.publicMessage = options?.publicMessage ?? message;
    this.extra = options?.extra;
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
