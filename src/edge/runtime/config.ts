/**
 * What `portcullis edge build` embeds in a bundle. Plain JSON data: public keys as JWKs, the claim
 * policy and the refusal responses, rendered at build time by the listener's own code so an edge
 * refusal is byte-identical to the listener's.
 */

/** An RSA public key as embedded (never a private member). */
export interface EdgePublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
}

/** A refusal as the listener sends it: status, headers and body text. */
export interface EdgeRefusal {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The claim policy, as `verify` takes it. */
export interface EdgePolicy {
  leewaySeconds: number;
  issuer: string | string[] | null;
  subject: string | string[] | null;
  audience?: string | string[];
}

/** Where a verified request's bytes come from (the Worker; Lambda@Edge hands back to CloudFront). */
export type EdgeOrigin = { kind: 'url'; url: string } | { kind: 'r2'; binding: string };

/** The whole embedded configuration. */
export interface EdgeConfig {
  keys: EdgePublicJwk[];
  /** Fetched at run time, cached; refetched (bounded) on an unknown kid. */
  jwksUrl?: string;
  origin?: EdgeOrigin;
  policy: EdgePolicy;
  /** Keyed by code: every token code plus the serve codes the edge can answer with. */
  refusals: Record<string, EdgeRefusal>;
}

/** Serve codes an edge bundle can answer with besides the token codes. */
export const EDGE_SERVE_CODES = [
  'METHOD_NOT_ALLOWED',
  'PATH_REJECTED',
  'NOT_FOUND',
  'PRECONDITION_FAILED',
  'RANGE_NOT_SATISFIABLE',
  'UPSTREAM_ERROR',
  'INTERNAL_ERROR',
] as const;

/** One of {@link EDGE_SERVE_CODES}. */
export type EdgeServeCode = (typeof EDGE_SERVE_CODES)[number];
