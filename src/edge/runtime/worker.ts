/**
 * The Cloudflare Worker (module syntax). `portcullis edge build --target cloudflare` bundles
 * `export default createWorker(CONFIG)`: every request goes through the gate; a verified one is
 * answered from the origin URL (token stripped, Range and validators passed) or an R2 binding.
 */
import type { EdgeConfig } from './config.js';
import {
  forwardedRequestHeaders,
  originUrl,
  refusalForStatus,
  responseHeaders,
} from './forward.js';
import { gate } from './gate.js';
import { EdgeKeys } from './jwks-cache.js';
import { isR2Bucket, serveFromR2 } from './r2.js';
import { refusalFor, refusalResponse } from './refusal.js';

/** A module Worker's default export. */
export interface EdgeWorker {
  fetch(request: Request, env: Record<string, unknown>): Promise<Response>;
}

const ORIGIN_TIMEOUT_MS = 30_000;

/** Builds the Worker for an embedded configuration. */
export function createWorker(config: EdgeConfig): EdgeWorker {
  // Per isolate: keys are imported once and the JWKS cache lives as long as the isolate.
  const keys = new EdgeKeys({
    embedded: config.keys,
    ...(config.jwksUrl === undefined ? {} : { jwksUrl: config.jwksUrl }),
  });
  return {
    async fetch(request, env) {
      const refuse = (code: string, extra?: Record<string, string>) =>
        refusalResponse(refusalFor(config, code), request.method, extra);
      try {
        return await answer(request, env, refuse);
      } catch {
        // Fail closed with the listener's 500, never the platform's error page or the origin.
        return refuse('INTERNAL_ERROR');
      }
    },
  };

  async function answer(
    request: Request,
    env: Record<string, unknown>,
    refuse: (code: string, extra?: Record<string, string>) => Response,
  ): Promise<Response> {
    const method = request.method;
    const raw = rawTarget(request.url);
    const decision = await gate(
      { method, rawPath: raw.path, query: raw.query },
      keys,
      config.policy,
      Date.now() / 1000,
    );
    if (!decision.ok) {
      return refuse(
        decision.code,
        decision.code === 'METHOD_NOT_ALLOWED' ? { allow: 'GET, HEAD' } : {},
      );
    }
    const origin = config.origin;
    if (origin?.kind === 'r2') {
      const bucket = env[origin.binding];
      if (!isR2Bucket(bucket)) return refuse('UPSTREAM_ERROR');
      const answer = await serveFromR2(bucket, decision.segments, request);
      return answer instanceof Response ? answer : refuse(answer.code, answer.extra);
    }
    if (origin === undefined) return refuse('UPSTREAM_ERROR');
    return fromOrigin(origin.url, decision.segments, decision.query, request, refuse);
  }
}

/** Path and query exactly as the client sent them (URL would normalise `..` and encodings). */
function rawTarget(href: string): { path: string; query: string } {
  const afterScheme = href.indexOf('://');
  const pathAt = href.indexOf('/', afterScheme + 3);
  const target = pathAt < 0 ? '/' : href.slice(pathAt);
  const hashAt = target.indexOf('#');
  const noHash = hashAt < 0 ? target : target.slice(0, hashAt);
  const q = noHash.indexOf('?');
  return q < 0
    ? { path: noHash, query: '' }
    : { path: noHash.slice(0, q), query: noHash.slice(q + 1) };
}

async function fromOrigin(
  base: string,
  segments: string[],
  query: string,
  request: Request,
  refuse: (code: string, extra?: Record<string, string>) => Response,
): Promise<Response> {
  let upstream: Response;
  try {
    upstream = await fetch(originUrl(base, segments, query), {
      method: request.method,
      headers: forwardedRequestHeaders(request.headers),
      redirect: 'manual',
      signal: AbortSignal.timeout(ORIGIN_TIMEOUT_MS),
    });
  } catch {
    return refuse('UPSTREAM_ERROR');
  }
  const code = refusalForStatus(upstream.status);
  if (code !== null) {
    await upstream.body?.cancel();
    const cr = upstream.headers.get('content-range');
    const extra: Record<string, string> =
      code === 'RANGE_NOT_SATISFIABLE' && cr !== null && /^bytes \*\/\d+$/.test(cr)
        ? { 'content-range': cr }
        : {};
    return refuse(code, extra);
  }
  const headers = responseHeaders(upstream.headers, upstream.status);
  const body = request.method === 'HEAD' || upstream.status === 304 ? null : upstream.body;
  if (body === null) await upstream.body?.cancel();
  return new Response(body, { status: upstream.status, headers });
}
