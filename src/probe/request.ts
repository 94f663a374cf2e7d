/**
 * One probe request: GET the URL, keep the status, a few headers and the first bytes of the body,
 * then hang up. Built on node:http(s) rather than fetch so that `--insecure` works without extra
 * dependencies and so that redirects are never followed (a probe reports what the server said).
 */
import * as http from 'node:http';
import * as https from 'node:https';

/** What came back for one request; `error` is set when no HTTP answer arrived at all. */
export interface ProbeExchange {
  status: number | null;
  /** First bytes of the body (at most the requested limit). */
  body: Buffer;
  location?: string;
  wwwAuthenticate?: string;
  contentType?: string;
  /** Network-level failure (refused, reset, timeout, TLS), without any URL or token in it. */
  error?: string;
}

/** Options of {@link fetchPrefix}. */
export interface FetchPrefixOptions {
  headers?: Record<string, string>;
  /** Stop reading after this many body bytes; a function decides per status (files vs refusals). */
  maxBytes: number | ((status: number) => number);
  timeoutMs: number;
  /** Accept any TLS certificate (self-signed test servers). */
  insecure?: boolean;
}

/** Node error codes are safe to show (they never contain the URL); messages may not be. */
function describeError(err: unknown, timedOut: boolean): string {
  if (timedOut) return 'TIMEOUT';
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'NETWORK_ERROR';
}

/**
 * Sends one GET and resolves with the first `maxBytes` of the answer. Never rejects: failures are
 * reported in `error` so a probe table can show them next to the other cases.
 */
export function fetchPrefix(url: URL, opts: FetchPrefixOptions): Promise<ProbeExchange> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    let timedOut = false;
    const chunks: Buffer[] = [];
    let length = 0;
    let limit = typeof opts.maxBytes === 'number' ? opts.maxBytes : 0;
    const finish = (result: Omit<ProbeExchange, 'body'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, body: Buffer.concat(chunks).subarray(0, limit) });
      req.destroy();
    };
    const req = client.request(url, {
      method: 'GET',
      headers: { 'user-agent': 'portcullis-probe', accept: '*/*', ...opts.headers },
      agent: false,
      rejectUnauthorized: !opts.insecure,
    });
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new Error('timeout'));
    }, opts.timeoutMs);
    req.on('error', (err) => finish({ status: null, error: describeError(err, timedOut) }));
    req.on('response', (res) => {
      const head = {
        status: res.statusCode ?? null,
        location: res.headers.location,
        wwwAuthenticate: res.headers['www-authenticate'],
        contentType: res.headers['content-type'],
      };
      if (typeof opts.maxBytes === 'function') limit = opts.maxBytes(res.statusCode ?? 0);
      // Headers only: no need to wait for a body that may never come.
      if (limit <= 0) {
        finish(head);
        return;
      }
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        length += chunk.length;
        if (length >= limit) finish(head);
      });
      res.on('end', () => finish(head));
      // A reset after the headers still tells us the status; keep what was read.
      res.on('error', () => finish(head));
      res.on('aborted', () => finish(head));
    });
    req.end();
  });
}
