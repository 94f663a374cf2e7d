/**
 * The object-storage settings of `serve` (`storage`, `s3*`, `delivery*`, `cloudfront*`): their
 * parsers and the checks across them, kept beside config.ts so the settings table stays one
 * schema. No setting here can carry a credential: those come only from the AWS SDK chain.
 */
import { parseStorageLocation, type StorageLocation } from '../storage/location.js';
import { ServeError } from './errors.js';

/** The settings these checks read (a subset of `ServeConfig`, named here to keep imports one-way). */
export interface StorageSettings {
  root: string | null;
  upstream: string | null;
  storage: string | null;
  s3Endpoint: string | null;
  s3Region: string | null;
  delivery: 'stream' | 'redirect' | 'cloudfront';
  cloudfrontDomain: string | null;
  cloudfrontKeyPairId: string | null;
  cloudfrontPrivateKeyFile: string | null;
}

/** True when `text` is a valid `--storage` value. */
export function isStorageLocation(text: string): boolean {
  try {
    parseStorageLocation(text);
    return true;
  } catch {
    return false;
  }
}

const RATE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** `1MiB`, `512KiB/s`, `250000` → bytes per second; undefined when not a rate ≥ 1 KiB/s. */
export function parseRate(value: number | string): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 1024 && value <= 1024 ** 4
      ? Math.floor(value)
      : undefined;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?(?:\/s)?\s*$/i.exec(value);
  if (m === null) return undefined;
  return parseRate(Number(m[1]) * RATE_UNITS[(m[2] ?? '').toLowerCase()]!);
}

function invalidSetting(setting: string, detail: string): ServeError {
  return new ServeError('CONFIG_INVALID', `portcullis: invalid setting "${setting}": ${detail}`);
}

/**
 * The storage settings agree with each other: a directory in `storage` becomes `root`; the S3
 * and delivery settings need a bucket; cloudfront needs its three settings.
 */
export function storageChecked<C extends StorageSettings>(config: C): C {
  const location = config.storage === null ? null : parseStorageLocation(config.storage);
  if (location !== null && (config.root || config.upstream)) {
    throw invalidSetting('storage', 'give one of root, upstream or storage');
  }
  if (location?.kind === 'disk')
    return storageChecked({ ...config, storage: null, root: location.root });
  const bucket = location !== null;
  for (const setting of ['s3Endpoint', 's3Region'] as const) {
    if (config[setting] !== null && !bucket) {
      throw invalidSetting(setting, 'needs storage s3://BUCKET');
    }
  }
  if (config.delivery !== 'stream' && !bucket) {
    throw invalidSetting('delivery', `${config.delivery} needs storage s3://BUCKET`);
  }
  const cloudfront = [
    config.cloudfrontDomain,
    config.cloudfrontKeyPairId,
    config.cloudfrontPrivateKeyFile,
  ];
  if (config.delivery === 'cloudfront' && cloudfront.some((v) => v === null)) {
    throw invalidSetting(
      'delivery',
      'cloudfront needs cloudfrontDomain, cloudfrontKeyPairId and cloudfrontPrivateKeyFile',
    );
  }
  if (config.delivery !== 'cloudfront' && cloudfront.some((v) => v !== null)) {
    throw invalidSetting('cloudfrontDomain', 'the cloudfront settings need delivery cloudfront');
  }
  return config;
}

/** The bucket a config serves from, or null (disk root, upstream). */
export function bucketLocationOf(
  config: Pick<StorageSettings, 'storage'>,
): Extract<StorageLocation, { kind: 's3' }> | null {
  if (config.storage === null) return null;
  const location = parseStorageLocation(config.storage);
  return location.kind === 's3' ? location : null;
}
