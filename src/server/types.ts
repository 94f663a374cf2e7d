/**
 * Contracts between the serve listeners and the parts plugged into them (store, admin API,
 * audit, JWKS). Kept free of runtime code so every area can import it without cycles.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { VerificationKey } from '../token/key-ring.js';
import type { ServeConfig } from './config.js';

export type { ServeConfig } from './config.js';

/** Where verification keys come from: key files, the store, or anything else that can list them. */
export interface KeySource {
  /** Current keys. Rejects (with a coded error) when the source is broken; the server keeps its old ring. */
  load(): Promise<VerificationKey[]>;
  /** Calls `onChange` when keys may have changed; returns a function that stops watching. */
  watch?(onChange: () => void): () => void;
  /** Short human description for logs, e.g. `2 key files` — never key material or absolute paths. */
  describe(): string;
}

/** Which route answered a content-listener request: a download, forward-auth, proxy mode, or a
 * device fetching an app manifest (`/.portcullis/manifest/…`). */
export type DownloadVia = 'file' | 'auth' | 'proxy' | 'manifest';

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
  durationMs: number;
  userAgent?: string;
  via: DownloadVia;
}

/** Receives download events. `record` must return at once; batching and persistence are the sink's job. */
export interface AuditSink {
  record(event: DownloadEvent): void;
  close?(): Promise<void>;
}

/** What an admin extension gets when it is registered into the admin listener. */
export interface AdminContext {
  config: ServeConfig;
  keys: { reload(): Promise<void> };
  logger: Logger;
  /** Public base URL of the content listener (from `publicUrl` or the bound address). */
  publicUrl: string;
}

/** Adds routes to the admin Fastify instance (admin API, console) before it listens. */
export interface AdminExtension {
  register(app: FastifyInstance, ctx: AdminContext): Promise<void> | void;
}

/**
 * Extra GET/HEAD routes on the content listener (for example `/.well-known/jwks.json`).
 * Consulted before token checks for paths it claims; return true when the response was handled.
 */
export interface ContentExtension {
  /**
   * The path prefix the extension serves, e.g. `/.well-known/`. When set, `handle` is asked only
   * for paths that start with it, so other requests never wait on the extension.
   */
  readonly prefix?: string;
  /**
   * Answers the request, or returns false to let the listener handle it. `report` puts the request
   * into the audit trail, the metrics and the access log like a download; call it once, before
   * the response ends, for requests that carry a token (public data such as a JWKS needs none).
   */
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    pathname: string,
    report: (outcome: ExtensionOutcome) => void,
  ): boolean | Promise<boolean>;
}

/** What an extension reports about a request it answered (never the token itself). */
export interface ExtensionOutcome {
  via: DownloadVia;
  /** 'OK' or a stable error code (a token code, 'NOT_FOUND', 'METHOD_NOT_ALLOWED', ...). */
  outcome: string;
  /** Decoded content path the request was about, or '-' when it named none. */
  path: string;
  /** The identity {@link ContentExtensionContext.verifyToken} returned, when the token verified. */
  identity?: TokenIdentity;
  /** The request's token when it did not verify, so the audit can still fingerprint it. */
  refusedToken?: string;
}

/** Who a verified token is, as far as logs and the audit trail may tell. */
export interface TokenIdentity {
  /** Short sha256 fingerprint of the token (never the token). */
  fingerprint: string;
  keyLabel: string | undefined;
  kid: string | undefined;
}

/** What a content-extension factory learns about the listener it serves on. */
export interface ContentExtensionContext {
  /**
   * Base URL devices reach this listener at: `--public-url` when set, else the listener's own
   * scheme, host and port (known once it listens). Never derived from a request's Host header.
   */
  publicUrl(): string;
  /**
   * Verifies a token exactly as downloads are verified: the listener's own key ring (reloaded with
   * it), claim rules and verified-token cache. Throws a TokenError (stable `code`) on refusal.
   * Pass the decoded content path (`/apps/App.ipa`) the request is about so that a token bound to
   * another file is refused with TOKEN_PATH_MISMATCH, as a download of that path would be.
   */
  verifyToken(token: string, path?: string): TokenIdentity;
}

/**
 * In cluster mode each worker builds its own extensions, so they may be given as factories.
 * A factory runs once per process that serves content.
 */
export type ContentExtensionInput =
  | ContentExtension
  | ((ctx: ContentExtensionContext) => ContentExtension | Promise<ContentExtension>);
