/**
 * What the listener knows about one request while its routes run. Its own file so the routes
 * (file, forward-auth, proxy) can fill it in without importing the context that imports them.
 */
import type { ClientCertificateIdentity } from '../contracts/client-certificate.js';
import type { DownloadVia } from '../contracts/download-event.js';

/** What is known about a request as it moves through the routes. */
export interface RequestRecord {
  started: number;
  method: string;
  /** Decoded content path, or '-' before/if the path check fails. */
  path: string;
  outcome: string;
  via: DownloadVia;
  /** Whether this request becomes an audit event (content and auth routes only). */
  audited: boolean;
  bytesSent: number;
  fingerprint?: string;
  keyLabel?: string;
  kid?: string;
  configurationId?: string;
  /** The verified device certificate that admitted (or, expired or revoked, was refused). */
  clientCert?: ClientCertificateIdentity;
}
