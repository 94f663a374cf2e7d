/**
 * The record of one request the content listener answered. The listener produces it, audit
 * sinks and the store consume it; neither side needs to know the other.
 */

/** Which route answered a content-listener request: a download (from disk, streamed from a
 * bucket, or redirected to a signed link of it), forward-auth, proxy mode, or a device fetching
 * an app manifest (`/_portcullis/manifest/…`). */
export type DownloadVia = 'file' | 'auth' | 'proxy' | 'manifest' | 'bucket' | 'redirect';

/** One audited request. Never carries the token itself, only its fingerprint. */
export interface DownloadEvent {
  /** Milliseconds since the epoch when the response finished. */
  time: number;
  method: string;
  /** Decoded path relative to the root (leading `/`), never with a query string or token. */
  path: string;
  status: number;
  /** 'OK' | 'NOT_MODIFIED' | a token error code | 'NOT_FOUND' | 'PATH_REJECTED' | 'RANGE_NOT_SATISFIABLE' | 'UPSTREAM_ERROR' | ... */
  outcome: string;
  bytesSent: number;
  clientAddress: string;
  tokenFingerprint?: string;
  /** `VerificationKey.label` of the key that verified the token (a configuration id or file name). */
  keyLabel?: string;
  kid?: string;
  /** `VerificationKey.configurationId` of that key: the JWT configuration the event belongs to. */
  configurationId?: string;
  /** The verified TLS client certificate (device identity) that admitted or was refused: its subject. */
  clientCertSubject?: string;
  /** Its serial number (upper-case hex). */
  clientCertSerial?: string;
  /** Its issuer. */
  clientCertIssuer?: string;
  durationMs: number;
  userAgent?: string;
  via: DownloadVia;
}
