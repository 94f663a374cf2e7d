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

/** Milliseconds to open a connection to the store before the request fails (503). */
const CONNECT_TIMEOUT_MS = 5_000;
/** Milliseconds a socket to the store may sit without a byte moving (a stalled store). */
const SOCKET_IDLE_TIMEOUT_MS = 60_000;

/**
 * Builds the S3 client for a connection. Retries are the SDK's standard mode (3 attempts, with
 * backoff, only for retryable errors), so a store that blips costs a device a slower answer.
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
    requestHandler: {
      connectionTimeout: CONNECT_TIMEOUT_MS,
      socketTimeout: SOCKET_IDLE_TIMEOUT_MS,
      httpAgent: agent,
      httpsAgent: agent,
    },
  };
  return new S3Client(config);
}
