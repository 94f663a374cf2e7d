/**
 * Turns what the SDK throws into a coded {@link StorageError}: the store's own error name goes
 * into the message (for the operator's log), never the bucket's answer body, a URL or credentials.
 */
import { StorageError, type StorageErrorCode } from '../errors.js';

interface SdkErrorShape {
  name?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
}

/** The HTTP status a store answered with, when it answered at all. */
export function storeStatusOf(err: unknown): number | undefined {
  return (err as SdkErrorShape | null)?.$metadata?.httpStatusCode;
}

/** True when the store said the object (or the bucket) is not there. */
export function isNotFound(err: unknown): boolean {
  const name = (err as SdkErrorShape | null)?.name;
  return name === 'NotFound' || name === 'NoSuchKey' || storeStatusOf(err) === 404;
}

/** Error names that mean "could not talk to the store", not "the store said no". */
const UNREACHABLE = new Set([
  'TimeoutError',
  'RequestTimeout',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/**
 * Classifies an SDK failure: 403 → access denied, 412 → changed while reading, 503/SlowDown/
 * network → unavailable, other → failed. `operation` names what was attempted (for the log).
 */
export function storageFailure(err: unknown, operation: string): StorageError {
  if (err instanceof StorageError) return err;
  const shape = (err ?? {}) as SdkErrorShape & { code?: string };
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const status = storeStatusOf(err);
  const label = `${name}${status ? ` ${status}` : ''}`;
  let code: StorageErrorCode = 'STORAGE_FAILED';
  if (status === 403 || name === 'AccessDenied' || name === 'Forbidden') {
    code = 'STORAGE_ACCESS_DENIED';
  } else if (status === 412 || name === 'PreconditionFailed') {
    code = 'STORAGE_CHANGED';
  } else if (
    status === 503 ||
    name === 'SlowDown' ||
    UNREACHABLE.has(name) ||
    (shape.code !== undefined && UNREACHABLE.has(shape.code)) ||
    status === undefined
  ) {
    code = 'STORAGE_UNAVAILABLE';
  }
  return new StorageError(code, `content store: ${operation} failed (${label})`);
}
