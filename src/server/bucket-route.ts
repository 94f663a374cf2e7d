/**
 * Serves verified downloads from a bucket, chosen at composition time instead of the file
 * route (the local-disk hot path stays as it is). Only an admitted request gets here, so a
 * refused one never costs a storage request.
 *
 * - `stream`: HeadObject, plan the answer like a local file (Range, If-Range, conditionals,
 *   HEAD; the object's ETag), then a ranged GetObject piped with back-pressure: nothing is read
 *   from the store faster than the device takes it, and a device that goes away aborts it.
 * - `redirect` / `cloudfront`: 302 to a signed link of the object. The object is stat-ed first
 *   (memoised briefly) because the link must live at least size ÷ minimum rate; a missing object
 *   answers 404 as on disk (the token already verified). No content byte passes through here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { ContentLinkSigner } from '../contracts/content-link.js';
import type {
  ContentStorage,
  OpenedObject,
  StoredObjectInfo,
} from '../contracts/content-storage.js';
import { contentTypeFor } from '../http/content-type.js';
import { type FileRequest, planFileResponse } from '../http/plan.js';
import { StorageError } from '../storage/errors.js';
import type { ServeConfig } from './config.js';
import type { ServeMetrics } from './metrics.js';
import type { RequestRecord } from './request-record.js';
import { COMMON_HEADERS, sendRefusal, serveRefusal } from './respond.js';

/** What the route needs of the admitted token: when it expires (epoch seconds). */
export interface AdmittedToken {
  exp: number;
}

/** How a bucket route delivers; built once per process by `openBucketRoute`. */
export interface BucketRoute {
  readonly mode: ServeConfig['delivery'];
  /** Answers one admitted request for the decoded, checked content path `key`. */
  serve(
    req: IncomingMessage,
    res: ServerResponse,
    rec: RequestRecord,
    admitted: AdmittedToken,
    key: string,
  ): void | Promise<void>;
}

/** What a bucket route needs from its process. */
export interface BucketRouteDeps {
  config: ServeConfig;
  storage: ContentStorage;
  /** The link signer (redirect, cloudfront); null for stream. */
  signer: ContentLinkSigner | null;
  metrics: ServeMetrics;
  logger: Logger;
  clock?: () => number;
}

/** A link never lives less than this (seconds), for clocks that disagree a little. */
const MIN_LINK_SECONDS = 60;
/** How long a stat of an object is trusted for a redirect (ms); a missing one for less. */
const STAT_MEMO_MS = 30_000;
const MISSING_MEMO_MS = 5_000;
const STAT_MEMO_MAX = 10_000;

/** Builds the bucket route for the configured delivery mode. */
export function createBucketRoute(deps: BucketRouteDeps): BucketRoute {
  const { config } = deps;
  if (config.delivery === 'stream') {
    return { mode: 'stream', serve: (req, res, rec, _a, key) => stream(deps, req, res, rec, key) };
  }
  const signer = deps.signer!;
  const stat = memoisedStat(deps.storage, deps.clock ?? Date.now);
  return {
    mode: config.delivery,
    serve: (_req, res, rec, admitted, key) => redirect(deps, signer, stat, res, rec, admitted, key),
  };
}

async function stream(
  deps: BucketRouteDeps,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RequestRecord,
  key: string,
): Promise<void> {
  rec.via = 'bucket';
  // A device that hangs up before the first byte aborts the store's request (HeadObject, the
  // first GetObject) instead of leaving it to run to its deadline.
  const gone = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) gone.abort();
  };
  res.once('close', onClose);
  let opened: OpenedObject | undefined;
  try {
    opened = await deps.storage.open(key, { signal: gone.signal });
  } catch (err) {
    if (gone.signal.aborted) return;
    return storeFailed(deps, res, rec, err);
  }
  if (opened === undefined) {
    rec.outcome = 'NOT_FOUND';
    sendRefusal(res, rec.method, serveRefusal('NOT_FOUND'));
    return;
  }
  const { info } = opened;
  const plan = planFileResponse(
    { method: rec.method as FileRequest['method'], headers: req.headers },
    { ...factsOf(info, key), etag: info.identity || undefined },
    { weakEtag: deps.config.etag === 'weak' },
  );
  rec.outcome = plan.outcome;
  if (plan.status === 412 || plan.status === 416) {
    const code = plan.outcome as 'PRECONDITION_FAILED' | 'RANGE_NOT_SATISFIABLE';
    sendRefusal(res, rec.method, serveRefusal(code, plan.headers));
    return opened.close();
  }
  if (plan.body === null) {
    res.writeHead(plan.status, { ...COMMON_HEADERS, ...plan.headers });
    res.end();
    return opened.close();
  }
  // Headers go out once the store has answered the GET: a store failure before that (a 412
  // because the object changed since the HeadObject, a refused connection) is still a clean
  // 502/503 instead of a cut 200.
  let body: Readable;
  try {
    body = await opened.readable(plan.body);
  } catch (err) {
    await opened.close();
    if (gone.signal.aborted) return;
    return storeFailed(deps, res, rec, err);
  }
  if (res.destroyed) {
    body.destroy();
    return opened.close();
  }
  res.writeHead(plan.status, { ...COMMON_HEADERS, ...plan.headers });
  deps.metrics.inFlight.inc();
  await relay(deps.logger, body, res, rec, gone.signal);
  deps.metrics.inFlight.dec();
  await opened.close();
}

/**
 * Pipes the store's body to the response with back-pressure (a slow device holds the socket's
 * buffers, never the object) and no promise per chunk (three layers of async iteration did that
 * before; docs/decisions.md, issue 13). A device that leaves (`gone`) destroys the body, which
 * abandons the store's request; a store that fails mid-way cuts the response (its length was
 * promised) and is logged.
 */
function relay(
  logger: Logger,
  body: Readable,
  res: ServerResponse,
  rec: RequestRecord,
  gone: AbortSignal,
) {
  return new Promise<void>((resolve) => {
    pipeline(body, res, (err) => {
      // A device that hung up is not a store failure, whatever error its abort left on the body.
      if (err && !gone.aborted && !res.writableFinished && body.errored) {
        logStoreError(logger, body.errored);
      }
      resolve();
    });
    body.on('data', (chunk: Uint8Array) => {
      rec.bytesSent += chunk.length;
    });
  });
}

/**
 * The 302. Synchronous when the object's stat and its link are already known (the common case
 * for a package many devices fetch): no promise between the token check and the answer.
 */
function redirect(
  deps: BucketRouteDeps,
  signer: ContentLinkSigner,
  stat: (key: string) => Known<StoredObjectInfo | undefined>,
  res: ServerResponse,
  rec: RequestRecord,
  admitted: AdmittedToken,
  key: string,
): void | Promise<void> {
  rec.via = 'redirect';
  const now = (deps.clock ?? Date.now)();
  const linkFor = (info: StoredObjectInfo | undefined): string | Promise<string> | undefined => {
    if (info === undefined) return undefined;
    const name = key.slice(key.lastIndexOf('/') + 1);
    return signer.sign({
      path: key,
      method: rec.method === 'HEAD' ? 'HEAD' : 'GET',
      expiresInSeconds: linkLifetime(deps.config, admitted.exp, info.size, now, signer),
      fileName: name,
      contentType: contentTypeFor(name),
      issuedAt: now,
    });
  };
  const fail = (err: unknown) => storeFailed(deps, res, rec, err);
  try {
    const info = stat(key);
    if (info instanceof Promise) {
      return info.then(linkFor).then((link) => sendRedirect(res, rec, link), fail);
    }
    const link = linkFor(info);
    if (link instanceof Promise) return link.then((l) => sendRedirect(res, rec, l), fail);
    sendRedirect(res, rec, link);
  } catch (err) {
    fail(err);
  }
}

/** A value known now, or a promise of it while the store is asked. */
type Known<T> = T | Promise<T>;

function sendRedirect(res: ServerResponse, rec: RequestRecord, link: string | undefined): void {
  if (link === undefined) {
    rec.outcome = 'NOT_FOUND';
    sendRefusal(res, rec.method, serveRefusal('NOT_FOUND'));
    return;
  }
  res.writeHead(302, {
    ...COMMON_HEADERS,
    location: link,
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'content-length': '0',
  });
  res.end();
}

/**
 * Seconds a link must live: the token's remaining validity plus the resume grace, and at least
 * the time the object needs at the minimum rate; never less than a minute, never more than the
 * store accepts.
 */
export function linkLifetime(
  config: Pick<ServeConfig, 'resumeGrace' | 'deliveryMinRate'>,
  expSeconds: number,
  size: number,
  nowMs: number,
  signer: Pick<ContentLinkSigner, 'maxLifetimeSeconds'>,
): number {
  const tokenLeft = Math.max(0, Math.ceil(expSeconds - nowMs / 1000)) + config.resumeGrace;
  const transfer = Math.ceil(size / config.deliveryMinRate);
  const wanted = Math.max(MIN_LINK_SECONDS, tokenLeft, transfer);
  return Math.min(wanted, signer.maxLifetimeSeconds);
}

/**
 * A stat memo: each object costs one HeadObject per {@link STAT_MEMO_MS} per process. A settled
 * stat comes back as a value (no promise); a failure is not remembered.
 */
function memoisedStat(
  storage: ContentStorage,
  clock: () => number,
): (key: string) => Known<StoredObjectInfo | undefined> {
  interface Entry {
    until: number;
    value: Known<StoredObjectInfo | undefined>;
  }
  const memo = new Map<string, Entry>();
  return (key) => {
    const now = clock();
    const known = memo.get(key);
    if (known !== undefined && known.until > now) return known.value;
    if (memo.size >= STAT_MEMO_MAX) memo.delete(memo.keys().next().value!);
    const pending = storage.stat(key);
    const entry: Entry = { until: now + STAT_MEMO_MS, value: pending };
    memo.delete(key);
    memo.set(key, entry);
    pending.then(
      (found) => {
        entry.value = found;
        if (found === undefined) entry.until = now + MISSING_MEMO_MS;
      },
      () => {
        if (memo.get(key) === entry) memo.delete(key);
      },
    );
    return pending;
  };
}

function factsOf(info: StoredObjectInfo, key: string) {
  return {
    name: key.slice(key.lastIndexOf('/') + 1),
    size: info.size,
    mtimeMs: info.mtimeMs,
    ino: 0,
  };
}

/** A store failure: 503 when it could not be reached or is busy, else 502; the log names why. */
function storeFailed(
  deps: BucketRouteDeps,
  res: ServerResponse,
  rec: RequestRecord,
  err: unknown,
): void {
  logStoreError(deps.logger, err);
  const unavailable =
    err instanceof StorageError &&
    (err.code === 'STORAGE_UNAVAILABLE' || err.code === 'STORAGE_BUCKET_UNREACHABLE');
  const code = unavailable ? 'CONTENT_STORE_UNAVAILABLE' : 'CONTENT_STORE_FAILED';
  rec.outcome = code;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendRefusal(res, rec.method, serveRefusal(code, unavailable ? { 'retry-after': '5' } : {}));
}

function logStoreError(logger: Logger, err: unknown): void {
  if (err instanceof StorageError) {
    logger.warn({ code: err.code, detail: err.message }, 'content store request failed');
  } else {
    // Not from the store client: name the class only (an SDK message may carry a URL).
    logger.error({ error: (err as Error)?.name ?? 'Error' }, 'content store request failed');
  }
}
