/**
 * The one place an `S3Client` is built. Credentials come only from the AWS SDK's default
 * provider chain (environment, shared profiles, SSO, web identity, instance and container roles);
 * an in-process caller (tests) may hand a provider, the command line never can.
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** How to reach an S3-compatible store. */
export interface S3ConnectionOptions {
  /** Endpoint of a store other than AWS (MinIO, Cloudflare R2, Ceph); AWS's own when absent. */
  endpoint?: string;
  /** Region; `auto` for R2. When absent the SDK chain decides (AWS_REGION, the profile). */
  region?: string;
  /** Path-style URLs (`https://host/bucket/key`), which MinIO and many test stores need. */
  forcePathStyle?: boolean;
  /** For in-process callers only (tests); the CLI always uses the SDK's default chain. */
  credentials?: S3ClientConfig['credentials'];
  /** Sockets to the store kept per node: each streamed download holds one while it runs. */
  maxSockets?: number;
}

/** Milliseconds to open a connection to the store before the attempt fails. */
const CONNECT_TIMEOUT_MS = 3_000;
/**
 * Milliseconds a socket to the store may sit without a byte moving. Long on purpose: a streamed
 * download pulls from the store only as fast as the device takes it (back-pressure), so a device
 * that pauses leaves this socket idle, and that must not cut its download. A store that stalls
 * before answering is caught by {@link READ_DEADLINE} instead.
 */
const SOCKET_IDLE_TIMEOUT_MS = 60_000;
/**
 * Milliseconds a read (HeadObject, GetObject, ListObjectsV2, DeleteObject) may wait for the
 * store's response headers, passed per call (`send(cmd, READ_DEADLINE)`); cleared once the
 * headers arrive, so a long download is not cut. With {@link MAX_ATTEMPTS} a stalled store costs
 * a device ~12 s and a 503, well under the listener's 120 s idle timeout. An upload's parts take
 * as long as their bytes take, so they are bounded by the idle timeout only.
 */
export const READ_DEADLINE = { requestTimeout: 6_000 } as const;
/** Attempts per request: one retry for a blip, not three for a store that is gone. */
const MAX_ATTEMPTS = 2;

/**
 * Builds the S3 client for a connection. Retries are the SDK's standard mode (backoff, only for
 * retryable errors) bounded to {@link MAX_ATTEMPTS}; every attempt has a connect and an idle
 * deadline and reads a deadline for the answer, so a stalled store fails a read in seconds
 * (STORAGE_UNAVAILABLE) instead of minutes.
 * @example const client = createS3Client({ endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', forcePathStyle: true });
 */
export function createS3Client(options: S3ConnectionOptions): S3Client {
  const agent = { keepAlive: true, maxSockets: options.maxSockets ?? 512 };
  const config: S3ClientConfig = {
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    // Checksums only when the operation requires one: S3-compatible stores (R2, older MinIO)
    // refuse the newer default trailers, and a download checks its own hashes.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: MAX_ATTEMPTS,
    // The options of the SDK's own NodeHttpHandler (@smithy/node-http-handler), which it builds
    // from this object: no direct dependency on the handler package.
    requestHandler: {
      connectionTimeout: CONNECT_TIMEOUT_MS,
      socketTimeout: SOCKET_IDLE_TIMEOUT_MS,
      // A per-call requestTimeout (READ_DEADLINE) is an error, not a warning in the log.
      throwOnRequestTimeout: true,
      httpAgent: agent,
      httpsAgent: agent,
    },
  };
  return new S3Client(config);
}
