/**
 * `portcullis serve` settings: one table, three sources (flags > PORTCULLIS_* env > config file),
 * validated once at start-up with messages that name the setting and where it came from.
 */

import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import type { parse } from 'yaml';
import { z } from 'zod';
import { publicUrlProblem } from '../catalog/install.js';
import { readRegularFileSync } from '../keys/files.js';
import { MAX_LEEWAY_SECONDS, parseDuration, parseLeeway } from '../token/duration.js';
import { isStorageLocation, parseRate, storageChecked } from './config-storage.js';
import { ServeError } from './errors.js';

export { bucketLocationOf } from './config-storage.js';

import { AUTH_FRONTS } from './forward-auth-front.js';
import { invalidAllowedHosts } from './host-check.js';

const duration = (max: number) =>
  z.union([z.number(), z.string()]).transform((v, ctx) => {
    try {
      const s = parseDuration(v);
      if (s >= 0 && s <= max) return s;
    } catch {
      // fall through to the issue below
    }
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration like 30s, 15m or 1h (max ${max}s)`,
    });
    return z.NEVER;
  });

/** The one leeway parser (`60`, `90s`, `1m`), shared with `verify` and `inspect`. */
const leewaySetting = z.union([z.number(), z.string()]).transform((v, ctx) => {
  try {
    return parseLeeway(v);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: `expected seconds (60) or a duration (90s, 1m), at most ${MAX_LEEWAY_SECONDS}s`,
    });
    return z.NEVER;
  }
});

const int = (min: number, max: number) => {
  const message = `expected an integer ${min}-${max}`;
  return z.coerce
    .number({ error: message })
    .refine((n) => Number.isInteger(n) && n >= min && n <= max, { message });
};

const bool = z.union([
  z.boolean(),
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v)),
]);

const stringList = z.union([z.string(), z.array(z.string())]).transform((v) =>
  Array.isArray(v)
    ? v
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
);

const optionalString = z.string().min(1).nullable().default(null);
const optionalList = z
  .union([z.string(), z.array(z.string())])
  .nullable()
  .default(null)
  .transform((v) => (v === null ? null : Array.isArray(v) ? v : v.split(',').map((s) => s.trim())));

/** Values of the `auth` setting. */
export const CLIENT_AUTH_MODES = ['token', 'client-cert', 'token-or-client-cert'] as const;

/** What admits a download on the content listener. */
export type ClientAuthMode = (typeof CLIENT_AUTH_MODES)[number];

/** The settings schema; every field has a default so an empty source yields a usable config. */
export const ServeConfigSchema = z.object({
  /** Directory of content served to valid tokens (`--root`). Zero-config: `<data>/content`. */
  root: optionalString,
  /** Proxy mode: stream from this HTTP(S) origin instead of a directory (`--upstream`). */
  upstream: z
    .string()
    .refine((u) => /^https?:\/\//i.test(u) && URL.canParse(u), {
      message: 'expected an http:// or https:// URL',
    })
    .nullable()
    .default(null),
  /**
   * Where content lives instead of `root` (`--storage`): `s3://BUCKET[/PREFIX]` for an
   * S3-compatible bucket, or a directory (the same as `root`).
   */
  storage: z
    .string()
    .min(1)
    .refine((v) => isStorageLocation(v), {
      message: 'expected s3://BUCKET[/PREFIX] (a valid bucket name, a plain prefix) or a directory',
    })
    .nullable()
    .default(null),
  /** Endpoint of an S3-compatible store other than AWS: MinIO, Cloudflare R2, Ceph. */
  s3Endpoint: z
    .string()
    .refine((u) => /^https?:\/\//i.test(u) && URL.canParse(u), {
      message: 'expected an http:// or https:// URL',
    })
    .nullable()
    .default(null),
  /** Bucket region (`auto` for R2); default: the AWS SDK chain (AWS_REGION, the profile). */
  s3Region: z
    .string()
    .regex(/^[a-z0-9-]{2,32}$/, { message: 'expected a region name such as eu-west-1 or auto' })
    .nullable()
    .default(null),
  /** Path-style bucket URLs (`https://host/bucket/key`), which MinIO and most test stores need. */
  s3PathStyle: bool.default(false),
  /**
   * How verified downloads leave a bucket: `stream` (through Portcullis, like local files),
   * `redirect` (302 to an S3 presigned URL) or `cloudfront` (302 to a CloudFront signed URL).
   */
  delivery: z.enum(['stream', 'redirect', 'cloudfront']).default('stream'),
  /**
   * Slowest download speed a redirect's link must allow for, bytes per second (`1MiB`, `512KiB`,
   * `250000`): a link lives at least size ÷ this rate.
   */
  deliveryMinRate: z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const rate = parseRate(v);
      if (rate !== undefined) return rate;
      ctx.addIssue({
        code: 'custom',
        message: 'expected bytes per second: 1048576, 512KiB, 1MiB or 10MB (at least 1KiB)',
      });
      return z.NEVER;
    })
    .default(1024 * 1024),
  /** CloudFront distribution domain for `delivery: cloudfront` (d111111abcdef8.cloudfront.net). */
  cloudfrontDomain: z
    .string()
    .regex(/^(https:\/\/)?[a-z0-9.-]+\.[a-z]{2,}\/?$/i, {
      message: 'expected a domain name such as d111111abcdef8.cloudfront.net',
    })
    .nullable()
    .default(null),
  /** The CloudFront public key's ID (its key group trusts it). */
  cloudfrontKeyPairId: z
    .string()
    .regex(/^[A-Z0-9]{8,32}$/, {
      message: 'expected a CloudFront public key ID such as K2JCJMDEHXQW5F',
    })
    .nullable()
    .default(null),
  /** PEM file of the RSA private key CloudFront links are signed with. */
  cloudfrontPrivateKeyFile: optionalString,
  /** Verification key files (any public or private form). */
  keys: stringList.default([]),
  /** Data directory for zero-configuration start and the admin store. */
  data: z.string().min(1).default('./portcullis-data'),
  /**
   * PostgreSQL store shared by several nodes (`--database`, PORTCULLIS_DATABASE_URL), as
   * node-postgres reads it (`?sslmode=…`); without it the store is SQLite in `data`.
   */
  databaseUrl: z
    .string()
    .refine((u) => /^postgres(ql)?:\/\/./i.test(u) && URL.canParse(u), {
      message: 'expected a postgres:// URL (postgres://user@host:5432/db?sslmode=verify-full)',
    })
    .nullable()
    .default(null),
  /** PEM file of CA certificates the database server's certificate must chain to. */
  databaseCa: optionalString,
  host: z.string().min(1).default('127.0.0.1'),
  port: int(0, 65535).default(8080),
  admin: bool.default(true),
  adminHost: z.string().min(1).default('127.0.0.1'),
  adminPort: int(0, 65535).default(8081),
  /**
   * Extra Host names the admin listener answers to (`name` or `name:port`), e.g. the name of a
   * reverse proxy in front of it. The bind address and loopback names are always allowed.
   */
  adminAllowedHosts: stringList.default([]).refine((v) => invalidAllowedHosts(v).length === 0, {
    message: 'expected host names or IP literals, each with an optional :port',
  }),
  /** Accept `Authorization: Bearer` as well as `?token=`. */
  bearer: bool.default(true),
  /**
   * Front server that calls `/_portcullis/auth`: its own headers are the only ones read for the
   * original URI and method (`off`: no forward-auth, for direct, Apache, IIS and proxy shapes).
   */
  authFront: z.enum(AUTH_FRONTS).default('nginx'),
  /** Seconds a token seen before its exp may keep resuming the same file after exp. */
  resumeGrace: duration(7 * 86400).default(0),
  resumeGraceEntries: int(1, 10_000_000).default(100_000),
  tlsCert: optionalString,
  tlsKey: optionalString,
  /**
   * What admits a download: a token (`token`, Jamf Pro's), the device's TLS client certificate
   * (`client-cert`, an MDM identity chaining to `clientCa`), or either (`token-or-client-cert`).
   */
  auth: z.enum(CLIENT_AUTH_MODES).default('token'),
  /** PEM bundle of the CA(s) that issue device identity certificates (HTTPS only). */
  clientCa: optionalString,
  /** PEM or DER CRL(s) of those CAs; reloaded on SIGHUP and when the file changes. */
  clientCrl: optionalString,
  /**
   * PEM chain that InstallEnterpriseApplication commands pin (ManifestURLPinningCerts) when TLS
   * ends at a front server; default: the chain of `tlsCert`.
   */
  pinningCerts: optionalString,
  /** 0 = one per core. */
  workers: int(0, 1024).default(0),
  shutdownTimeout: duration(86400).default(30),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Public base URL of the content listener, used in printed and generated URLs. */
  publicUrl: z
    .string()
    .superRefine((u, ctx) => {
      const problem = publicUrlProblem(u);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
    })
    .transform((u) => u.replace(/\/+$/, ''))
    .nullable()
    .default(null),
  issuer: optionalList.default(['JSS']),
  subject: optionalList.default(['AppManifest']),
  audience: optionalList,
  leeway: leewaySetting.default(60),
  maxTokenLifetime: duration(365 * 86400)
    .nullable()
    .default(null),
  tokenCacheEntries: int(0, 10_000_000).default(10_000),
  smallFileMaxBytes: int(0, 16 * 1024 * 1024).default(64 * 1024),
  smallFileCacheBytes: int(0, 4 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  /** Milliseconds a small cached file is served without re-checking the disk (0 = check every time). */
  fileRevalidateMs: int(0, 60_000).default(1000),
  etag: z.enum(['strong', 'weak']).default('strong'),
  headersTimeout: duration(3600).default(30),
  keepAliveTimeout: duration(3600).default(5),
  /** Seconds a socket may sit with no bytes moving before it is closed (downloads keep moving). */
  idleTimeout: duration(86400).default(120),
  maxHeaderSize: int(1024, 1024 * 1024).default(16 * 1024),
  maxUrlLength: int(256, 1024 * 1024).default(8 * 1024),
  /** Milliseconds to wait after a key or certificate file changes before reloading. */
  keyWatchDebounceMs: int(0, 60_000).default(250),
});

/** Validated serve settings; durations are in seconds. */
export type ServeConfig = z.output<typeof ServeConfigSchema>;
/** Raw input accepted for each setting before validation. */
export type ServeConfigInput = z.input<typeof ServeConfigSchema>;

const SETTING_NAMES = Object.keys(ServeConfigSchema.shape) as Array<keyof ServeConfig>;

/** `adminPort` → `PORTCULLIS_ADMIN_PORT`. */
export function envNameOf(setting: string): string {
  return `PORTCULLIS_${setting.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

const kebabToCamel = (s: string): string =>
  s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Where the config came from, for error messages. */
export interface LoadServeConfigInput {
  /** Parsed command-line flags (camelCase keys; undefined = not given). */
  flags?: Record<string, unknown>;
  /** Usually `process.env`. */
  env?: Record<string, string | undefined>;
  /** Config file (YAML or JSON); defaults to flags.config or PORTCULLIS_CONFIG. */
  file?: string;
}

/** The YAML parser, loaded only when a YAML config file is read (it is resident memory otherwise). */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as { parse: typeof parse };
  return yaml.parse(text);
}

/** Largest config file read (a FIFO or device given as the config never blocks the start). */
const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readRegularFileSync(file, MAX_CONFIG_FILE_BYTES).toString('utf8');
  } catch {
    throw new ServeError(
      'CONFIG_INVALID',
      'portcullis: cannot read the config file given by "config"',
    );
  }
  let parsed: unknown;
  try {
    parsed = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch {
    throw new ServeError('CONFIG_INVALID', 'portcullis: the config file is not valid YAML or JSON');
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ServeError(
      'CONFIG_INVALID',
      'portcullis: the config file must hold a mapping of settings',
    );
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parsed)) out[kebabToCamel(k)] = v;
  return out;
}

/**
 * Merges flags, env and file (in that precedence) and validates every setting.
 * @throws ServeError CONFIG_INVALID naming the setting and its source.
 * @example loadServeConfig({ flags: { port: 0 }, env: process.env })
 */
export function loadServeConfig(input: LoadServeConfigInput = {}): ServeConfig {
  const flags = input.flags ?? {};
  const env = input.env ?? {};
  const fileName =
    input.file ?? (flags.config as string | undefined) ?? env.PORTCULLIS_CONFIG ?? undefined;
  const fromFile = fileName ? readConfigFile(fileName) : {};
  for (const key of Object.keys(fromFile)) {
    if (!SETTING_NAMES.includes(key as keyof ServeConfig)) {
      throw new ServeError(
        'CONFIG_INVALID',
        `portcullis: unknown setting "${key}" (from config file)`,
      );
    }
  }
  const raw: Record<string, unknown> = {};
  const source: Record<string, string> = {};
  for (const name of SETTING_NAMES) {
    const flag = flags[name];
    const envValue = env[envNameOf(name)];
    if (flag !== undefined) {
      raw[name] = flag;
      source[name] = `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    } else if (envValue !== undefined && envValue !== '') {
      raw[name] = envValue;
      source[name] = envNameOf(name);
    } else if (fromFile[name] !== undefined) {
      raw[name] = fromFile[name];
      source[name] = 'config file';
    }
  }
  return validate(raw, source);
}

/** Validates an already-typed partial config (in-process `startServer`); env and files are ignored. */
export function resolveServeConfig(partial: Record<string, unknown>): ServeConfig {
  const raw: Record<string, unknown> = {};
  const source: Record<string, string> = {};
  for (const name of SETTING_NAMES) {
    if (partial[name] !== undefined) {
      raw[name] = partial[name];
      source[name] = 'options';
    }
  }
  return validate(raw, source);
}

function validate(raw: Record<string, unknown>, source: Record<string, string>): ServeConfig {
  const result = ServeConfigSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const setting = String(issue.path[0] ?? 'config');
    const from = source[setting] ?? 'default';
    const detail =
      issue.code === 'custom' || issue.message.startsWith('expected an')
        ? issue.message
        : describeIssue(issue.message);
    throw new ServeError(
      'CONFIG_INVALID',
      `portcullis: invalid setting "${setting}" (from ${from}): ${detail}`,
    );
  }
  const config = storageChecked(result.data);
  if (config.root && config.upstream) {
    throw new ServeError(
      'CONFIG_INVALID',
      'portcullis: invalid setting "upstream": give either root or upstream, not both',
    );
  }
  if (Boolean(config.tlsCert) !== Boolean(config.tlsKey)) {
    throw new ServeError(
      'CONFIG_INVALID',
      'portcullis: invalid setting "tlsCert": tlsCert and tlsKey must be given together',
    );
  }
  checkClientAuth(config);
  return config;
}

/** The client-certificate settings only make sense together, on HTTPS, without a front server. */
function checkClientAuth(config: ServeConfig): void {
  const fail = (setting: string, why: string) => {
    throw new ServeError('CONFIG_INVALID', `portcullis: invalid setting "${setting}": ${why}`);
  };
  if (config.clientCa !== null && !config.tlsCert) {
    fail(
      'clientCa',
      'client certificates need HTTPS on the content listener; give tlsCert and tlsKey (a front server that terminates TLS cannot hand the device certificate on safely)',
    );
  }
  if (config.auth !== 'token' && config.clientCa === null) {
    fail('auth', `auth ${config.auth} needs clientCa, the CA bundle device certificates chain to`);
  }
  if (config.auth === 'token' && config.clientCa !== null) {
    fail(
      'clientCa',
      'clientCa is unused with auth token; set auth to client-cert or token-or-client-cert',
    );
  }
  if (config.clientCrl !== null && config.clientCa === null) {
    fail('clientCrl', 'clientCrl needs clientCa (the CRL must be issued by one of its CAs)');
  }
  if (config.auth === 'client-cert' && config.authFront !== 'off') {
    fail(
      'authFront',
      'forward-auth (/_portcullis/auth) is token-only: the front server, not the device, holds the TLS connection; set authFront off with auth client-cert',
    );
  }
}

function describeIssue(message: string): string {
  // zod's own wording ("Invalid input: expected string, received number") is fine but starts uppercase.
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/** Number of content processes for a config (`workers: 0` = one per core). */
export function workerCount(config: ServeConfig): number {
  return config.workers === 0 ? availableParallelism() : config.workers;
}
