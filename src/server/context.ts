/**
 * The per-process state the content listener's routes share, and the per-request record
 * that becomes one access-log line, one audit event and one metrics sample.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ContentExtension } from '../contracts/content-extension.js';
import type { DownloadEvent } from '../contracts/download-event.js';
import type { Authenticator } from './auth.js';
import type { BucketRoute } from './bucket-route.js';
import type { ClientCertGate } from './client-cert.js';
import type { ServeConfig } from './config.js';
import type { ContentFiles } from './files.js';
import type { KeyManager } from './listener-verifier.js';
import { writeAccessLine } from './logger.js';
import type { ServeMetrics } from './metrics.js';
import type { UpstreamProxy } from './proxy.js';
import { redactText, redactUrl } from './redact.js';
import type { RequestRecord } from './request-record.js';
import type { TlsReloadStatus } from './tls-reload.js';

export type { RequestRecord } from './request-record.js';

/** Shared state of one process's content listener. */
export interface ContentContext {
  config: ServeConfig;
  keys: KeyManager;
  auth: Authenticator;
  /** Device certificates (`auth` client-cert modes); null with `auth` token. */
  clientCerts: ClientCertGate | null;
  /** How the TLS reloads went: a failed one makes /readyz say `degraded` (stale revocation data). */
  tlsReload: TlsReloadStatus;
  /** Wall clock in ms (injected in tests of expiry). */
  now: () => number;
  files: ContentFiles | null;
  proxy: UpstreamProxy | null;
  /** Content from a bucket (`storage: s3://…`), chosen at start instead of files or proxy. */
  bucket: BucketRoute | null;
  metrics: ServeMetrics;
  logger: Logger;
  /** Receives one event per content request; null when no audit sink is configured. */
  audit: ((event: DownloadEvent) => void) | null;
  extensions: ContentExtension[];
  /** Readiness beyond keys: e.g. the root is still readable. */
  ready: () => Promise<boolean>;
}

/** Starts a record and arranges for it to be logged, audited and counted when the response ends. */
export function trackRequest(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
): RequestRecord {
  const rec: RequestRecord = {
    started: performance.now(),
    method: req.method ?? 'GET',
    path: '-',
    outcome: 'OK',
    via: 'file',
    audited: false,
    bytesSent: 0,
  };
  // 'close' fires exactly once per response (finished or aborted), so `on` needs no once-wrapper.
  res.on('close', () => finishRequest(ctx, req, res, rec));
  return rec;
}

/**
 * The status the device was sent; 0 when no answer went out at all (the device hung up, or the
 * listener's timeout closed the connection first) — `res.statusCode` would say 200 then.
 */
function sentStatus(res: ServerResponse): number {
  return res.headersSent ? res.statusCode : 0;
}

function finishRequest(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RequestRecord,
): void {
  const durationMs = Math.round((performance.now() - rec.started) * 1000) / 1000;
  if (!res.writableFinished && rec.outcome === 'OK') rec.outcome = 'CLIENT_ABORTED';
  if (ctx.logger.isLevelEnabled('info')) logAccess(ctx, req, res, rec, durationMs);
  if (!rec.audited) return;
  ctx.metrics.countRequest(rec.outcome, rec.via, rec.bytesSent);
  if (ctx.audit === null) return;
  const userAgent = req.headers['user-agent'];
  const event: DownloadEvent = {
    time: Date.now(),
    method: rec.method,
    path: loggedPath(rec.path),
    status: sentStatus(res),
    outcome: rec.outcome,
    bytesSent: rec.bytesSent,
    clientAddress: req.socket.remoteAddress ?? '',
    durationMs,
    via: rec.via,
    ...(rec.fingerprint === undefined ? {} : { tokenFingerprint: rec.fingerprint }),
    ...(rec.keyLabel === undefined ? {} : { keyLabel: rec.keyLabel }),
    ...(rec.kid === undefined ? {} : { kid: rec.kid }),
    ...(rec.configurationId === undefined ? {} : { configurationId: rec.configurationId }),
    ...(rec.clientCert === undefined
      ? {}
      : {
          clientCertSubject: rec.clientCert.subject,
          clientCertSerial: rec.clientCert.serialNumber,
          clientCertIssuer: rec.clientCert.issuer,
        }),
    ...(userAgent === undefined ? {} : { userAgent }),
  };
  try {
    ctx.audit(event);
  } catch (err) {
    ctx.logger.warn({ err: String(err) }, 'audit sink failed to record an event');
  }
}

/**
 * The decoded path as logged and audited: a path may hold a `?` (sent as `%3F`), so a URL
 * encoded once too often carries its token inside the path; secret shapes are redacted.
 */
function loggedPath<T extends string | null | undefined>(path: T): T {
  return (typeof path === 'string' ? redactText(path) : path) as T;
}

function logAccess(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RequestRecord,
  durationMs: number,
): void {
  writeAccessLine(ctx.logger, {
    method: rec.method,
    url: redactUrl(req.url ?? ''),
    path: loggedPath(rec.path),
    status: sentStatus(res),
    outcome: rec.outcome,
    bytes: rec.bytesSent,
    ms: durationMs,
    client: req.socket.remoteAddress ?? '',
    fp: rec.fingerprint,
    kid: rec.kid,
    cert: rec.clientCert?.serialNumber,
    via: rec.via,
  });
}
