/**
 * The one way to define coded errors. An area lists its codes as data with `defineErrors`
 * (one object literal per code: status, message, remedy) and derives its error class from that
 * registry with `codedErrorClass`. Every area's class therefore has the same constructor,
 * `new XError(code, detail?, options?)`, and every instance carries its registry entry, so
 * adapters (problem+json, the CLI) map any coded error from data instead of testing its class.
 */
import { type CodedErrorOptions, type ErrorEntry, PortcullisError } from './base.js';

/**
 * How an area turns `detail` into the thrown message.
 * - `detail`: `detail` replaces the registry message (the default; messages are user-safe).
 * - `cli`: the message is `detail: message remedy`, one self-explaining terminal line (keys,
 *   probe); API clients see only the registry message, since the remedy names CLI flags.
 */
export type MessageStyle = 'detail' | 'cli';

// Registry object → its area; kept out of the record so `keyof typeof X_ERRORS` stays the codes.
const AREAS = new WeakMap<object, string>();

/**
 * Declares an area's registry of stable codes. Returns `codes` itself (frozen), so
 * `X_ERRORS[code].remedy` reads as before; the area name goes to its errors and to docs/errors.md.
 * @example export const STORE_ERRORS = defineErrors('store', { STORE_CONFLICT: { status: 409, message: '…', remedy: '…' } });
 */
export function defineErrors<R extends Record<string, ErrorEntry>>(
  area: string,
  codes: R,
): Readonly<R> {
  for (const entry of Object.values(codes)) Object.freeze(entry);
  const frozen = Object.freeze(codes);
  AREAS.set(frozen, area);
  return frozen;
}

/** The area a registry made by {@link defineErrors} belongs to (`undefined` for other objects). */
export function registryArea(codes: object): string | undefined {
  return AREAS.get(codes);
}

/**
 * The error class of one area, derived from its registry: `new XError(code, detail?, options?)`.
 * Subclass it (`export class StoreError extends codedErrorClass(STORE_ERRORS) {}`) so the class
 * keeps its own name and `instanceof` test. `style` says how `detail` becomes the message.
 */
export function codedErrorClass<C extends string>(
  codes: Readonly<Record<C, ErrorEntry>>,
  style: MessageStyle = 'detail',
) {
  const found = AREAS.get(codes);
  if (found === undefined) {
    throw new TypeError('codedErrorClass needs a registry made by defineErrors');
  }
  const area: string = found;
  abstract class AreaError extends PortcullisError {
    declare readonly code: C;

    constructor(code: C, detail?: string, options?: CodedErrorOptions) {
      const entry: ErrorEntry | undefined = codes[code];
      if (entry === undefined) throw new TypeError(`unregistered ${area} error code ${code}`);
      const cli = style === 'cli';
      // A CLI line says what to do; the prefix is a file name as typed or a kid, never a secret.
      const text = cli ? `${entry.message} ${entry.remedy}` : entry.message;
      const message = cli ? (detail ? `${detail}: ${text}` : text) : (detail ?? text);
      super(code, { ...entry, area }, message, {
        ...options,
        ...(cli ? { publicMessage: entry.message } : {}),
      });
    }
  }
  return AreaError;
}
