/**
 * Where content bytes live, as an operator writes it in `--storage`: `s3://BUCKET[/PREFIX]` for
 * an S3-compatible bucket, anything else a directory on local disk (the default shape).
 */
import { StorageError } from './errors.js';

/** A parsed storage location. */
export type StorageLocation =
  | { kind: 'disk'; root: string }
  | {
      kind: 's3';
      bucket: string;
      /** Key prefix without leading or trailing '/', '' for the whole bucket. */
      prefix: string;
    };

/** S3 bucket naming rules (the strict, DNS-compatible set every S3-compatible store accepts). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses `--storage`. `s3://` is recognised case-insensitively; the prefix must be a plain path
 * (no empty, `.` or `..` segments, no backslash or control characters) since it is joined to
 * every content key.
 * @example parseStorageLocation('s3://fleet-content/jamf') // { kind: 's3', bucket: 'fleet-content', prefix: 'jamf' }
 */
export function parseStorageLocation(text: string): StorageLocation {
  if (!/^s3:\/\//i.test(text)) {
    if (text.length === 0) throw invalid('an empty location');
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw invalid('an unsupported scheme');
    return { kind: 'disk', root: text };
  }
  const rest = text.slice(5);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = (slash < 0 ? '' : rest.slice(slash + 1)).replace(/\/+$/, '');
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
    throw invalid('an invalid bucket name');
  }
  if (prefix !== '') {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
    if (/[\\\u0000-\u001f\u007f?#]/.test(prefix)) throw invalid('an invalid prefix');
    for (const segment of prefix.split('/')) {
      if (segment === '' || segment === '.' || segment === '..') throw invalid('an invalid prefix');
    }
  }
  return { kind: 's3', bucket, prefix };
}

/** How a location reads in logs and the banner: never credentials (none are ever in it). */
export function describeStorageLocation(location: StorageLocation): string {
  if (location.kind === 'disk') return 'disk';
  return `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`;
}

function invalid(what: string): StorageError {
  return new StorageError('STORAGE_LOCATION_INVALID', `portcullis: --storage has ${what}`);
}
