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

/** How a request through the content listener ended. */
export type DownloadVia = 'file' | 'auth' | 'proxy';

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
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): boolean | Promise<boolean>;
}

/** What a content-extension factory learns about the listener it serves on. */
export interface ContentExtensionContext {
  /**
   * Base URL devices reach this listener at: `--public-url` when set, else the listener's own
   * scheme, host and port (known once it listens). Never derived from a request's Host header.
   */
  publicUrl(): string;
}

/**
 * In cluster mode each worker builds its own extensions, so they may be given as factories.
 * A factory runs once per process that serves content.
 */
export type ContentExtensionInput =
  | ContentExtension
  | ((ctx: ContentExtensionContext) => ContentExtension | Promise<ContentExtension>);
