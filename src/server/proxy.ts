/**
 * Proxy mode: after the token verifies, stream the file from an upstream origin (IIS, Apache,
 * object storage). The token and Authorization never reach the upstream; validators and Range
 * pass through so resumable downloads keep working; upstream failures become a detail-free 502.
 */

import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream';
import type { Logger } from 'pino';
import {
  ACTIVE_CONTENT_DISPOSITION,
  DEFAULT_CONTENT_TYPE,
  isActiveContentType,
} from '../http/content-type.js';
import {
  FORWARDED_REQUEST_HEADERS,
  FORWARDED_RESPONSE_HEADERS,
  PASSED_STATUSES,
} from '../http/forwarding.js';
import { DOWNLOAD_CACHE_CONTROL } from '../http/plan.js';
import { stripTokenParams } from '../token/request-token.js';
import type { ServeMetrics } from './metrics.js';
import { redactError } from './redact.js';
import type { RequestRecord } from './request-record.js';
import { COMMON_HEADERS, sendRefusal, serveRefusal } from './respond.js';

/**
 * The upstream chooses the type, so the same rule as for files is applied to what it says: a
 * type a browser would run (HTML, XML, SVG, …) is sent as an attachment whatever the upstream's
 * own Content-Disposition, and a missing type becomes octet-stream rather than a guess.
 */
function neutraliseActiveContent(headers: Record<string, string>, status: number): void {
  if (status === 304) return;
  const type = headers['content-type'];
  if (type === undefined) headers['content-type'] = DEFAULT_CONTENT_TYPE;
  else if (isActiveContentType(type)) headers['content-disposition'] = ACTIVE_CONTENT_DISPOSITION;
}

/** Streams verified requests from one upstream origin. */
export class UpstreamProxy {
  readonly #base: URL;
  readonly #agent: HttpAgent;
  readonly #timeoutMs: number;

  constructor(
    upstream: string,
    private readonly logger: Logger,
    private readonly metrics: ServeMetrics,
    opts: { timeoutMs?: number } = {},
  ) {
    this.#base = new URL(upstream);
    const secure = this.#base.protocol === 'https:';
    this.#agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** Builds the upstream URL for checked segments and the client's query (token removed). */
  upstreamUrl(segments: string[], query: string): URL {
    const url = new URL(this.#base.href);
    const basePath = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
    url.pathname = `${basePath}/${segments.map(encodeURIComponent).join('/')}`;
    const rest = stripTokenParams(query);
    url.search = rest === '' ? '' : `?${rest}`;
    return url;
  }

  /** Forwards one verified GET/HEAD. */
  forward(
    req: IncomingMessage,
    res: ServerResponse,
    rec: RequestRecord,
    segments: string[],
    query: string,
  ): Promise<void> {
    const url = this.upstreamUrl(segments, query);
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<void>((resolve) => {
      const upstreamReq = send(url, {
        method: rec.method,
        headers,
        agent: this.#agent,
        timeout: this.#timeoutMs,
      });
      const fail = (err: unknown) => {
        this.logger.warn(
          { err: redactError(err), upstream: url.origin },
          'upstream request failed',
        );
        rec.outcome = 'UPSTREAM_ERROR';
        if (!res.headersSent) sendRefusal(res, rec.method, serveRefusal('UPSTREAM_ERROR'));
        else res.destroy();
        resolve();
      };
      upstreamReq.on('timeout', () => upstreamReq.destroy(new Error('upstream timeout')));
      upstreamReq.on('error', fail);
      let upstreamDone = false;
      upstreamReq.on('response', (up) => {
        up.once('end', () => {
          upstreamDone = true;
        });
        this.#relay(up, res, rec);
        resolve();
      });
      // Client gone mid-transfer: stop the upstream too. A finished exchange is left alone so
      // its keep-alive socket can go back to the pool.
      res.once('close', () => {
        if (!upstreamDone) upstreamReq.destroy();
      });
      upstreamReq.end();
    });
  }

  #relay(up: IncomingMessage, res: ServerResponse, rec: RequestRecord): void {
    const status = up.statusCode ?? 502;
    if (!PASSED_STATUSES.has(status)) {
      up.resume();
      const code =
        status === 404 || status === 410
          ? 'NOT_FOUND'
          : status === 412
            ? 'PRECONDITION_FAILED'
            : status === 416
              ? 'RANGE_NOT_SATISFIABLE'
              : 'UPSTREAM_ERROR';
      rec.outcome = code;
      const extra: Record<string, string> = {};
      const cr = up.headers['content-range'];
      if (code === 'RANGE_NOT_SATISFIABLE' && typeof cr === 'string' && /^bytes \*\/\d+$/.test(cr))
        extra['content-range'] = cr;
      if (code === 'UPSTREAM_ERROR')
        this.logger.warn({ upstreamStatus: status }, 'upstream answered with an unexpected status');
      sendRefusal(res, rec.method, serveRefusal(code, extra));
      return;
    }
    rec.outcome = status === 304 ? 'NOT_MODIFIED' : 'OK';
    const headers: Record<string, string> = {
      ...COMMON_HEADERS,
      'cache-control': DOWNLOAD_CACHE_CONTROL,
    };
    for (const name of FORWARDED_RESPONSE_HEADERS) {
      const v = up.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    neutraliseActiveContent(headers, status);
    res.writeHead(status, headers);
    if (rec.method === 'HEAD' || status === 304) {
      up.resume();
      res.end();
      return;
    }
    this.metrics.inFlight.inc();
    let bytes = 0;
    up.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    pipeline(up, res, (err) => {
      this.metrics.inFlight.dec();
      rec.bytesSent = bytes;
      if (err && !res.writableEnded)
        rec.outcome = up.complete ? 'CLIENT_ABORTED' : 'UPSTREAM_ERROR';
    });
  }

  /** Closes pooled upstream connections. */
  close(): void {
    this.#agent.destroy();
  }
}
