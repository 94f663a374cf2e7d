/**
 * The CloudFront viewer-request handler (Lambda@Edge, Node.js runtime). `portcullis edge build
 * --target lambda-edge` bundles `exports.handler = createViewerRequestHandler(CONFIG)`. A verified
 * request goes on to CloudFront with every `token` parameter removed from its query string, so
 * the cache key never splits per token and the origin never sees one; otherwise the handler
 * returns the listener's refusal in CloudFront's generated-response shape.
 */
import { stripTokenParams } from '../../token/request-token.js';
import type { EdgeConfig, EdgeRefusal } from './config.js';
import { gate } from './gate.js';
import { EdgeKeys } from './jwks-cache.js';
import { refusalFor } from './refusal.js';

/** CloudFront's header map: lower-case name → [{ key, value }]. */
export type CloudFrontHeaders = Record<string, Array<{ key?: string; value: string }>>;

/** The request inside a viewer-request event (the fields this handler reads or writes). */
export interface CloudFrontRequest {
  method: string;
  uri: string;
  querystring: string;
  headers: CloudFrontHeaders;
  clientIp?: string;
  [field: string]: unknown;
}

/** A viewer-request event. */
export interface CloudFrontRequestEvent {
  Records: Array<{ cf: { config?: Record<string, unknown>; request: CloudFrontRequest } }>;
}

/** A response generated at the viewer-request stage. */
export interface CloudFrontResultResponse {
  status: string;
  statusDescription: string;
  headers: CloudFrontHeaders;
  body?: string;
  bodyEncoding?: 'text';
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
};

// Viewer-request responses may not set these (CloudFront computes them); see docs/edge.md.
const READ_ONLY = new Set(['content-length', 'transfer-encoding', 'via', 'host']);

/** Builds the handler for an embedded configuration. */
export function createViewerRequestHandler(
  config: EdgeConfig,
): (event: CloudFrontRequestEvent) => Promise<CloudFrontRequest | CloudFrontResultResponse> {
  const keys = new EdgeKeys({
    embedded: config.keys,
    ...(config.jwksUrl === undefined ? {} : { jwksUrl: config.jwksUrl }),
  });
  return async (event) => {
    try {
      return await decide(event);
    } catch {
      // Fail closed with the listener's 500: an error never lets the request through.
      return cloudFrontRefusal(refusalFor(config, 'INTERNAL_ERROR'), 'GET', {});
    }
  };

  async function decide(
    event: CloudFrontRequestEvent,
  ): Promise<CloudFrontRequest | CloudFrontResultResponse> {
    const request = event.Records[0]!.cf.request;
    const query = typeof request.querystring === 'string' ? request.querystring : '';
    const decision = await gate(
      { method: request.method, rawPath: request.uri, query },
      keys,
      config.policy,
      Date.now() / 1000,
    );
    if (!decision.ok) {
      const extra: Record<string, string> =
        decision.code === 'METHOD_NOT_ALLOWED' ? { allow: 'GET, HEAD' } : {};
      return cloudFrontRefusal(refusalFor(config, decision.code), request.method, extra);
    }
    request.querystring = stripTokenParams(query);
    return request;
  }
}

/** The refusal as CloudFront's response object (HEAD without a body, like the listener). */
function cloudFrontRefusal(
  refusal: EdgeRefusal,
  method: string,
  extra: Record<string, string>,
): CloudFrontResultResponse {
  const headers: CloudFrontHeaders = {};
  for (const [name, value] of Object.entries({ ...refusal.headers, ...extra })) {
    if (!READ_ONLY.has(name)) headers[name] = [{ key: canonicalName(name), value }];
  }
  const response: CloudFrontResultResponse = {
    status: String(refusal.status),
    statusDescription: REASONS[refusal.status] ?? 'Error',
    headers,
  };
  if (method !== 'HEAD') {
    response.body = refusal.body;
    response.bodyEncoding = 'text';
  }
  return response;
}

/** `www-authenticate` → `Www-Authenticate` (CloudFront wants the header's standard case in `key`). */
function canonicalName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, ch: string) => dash + ch.toUpperCase());
}
