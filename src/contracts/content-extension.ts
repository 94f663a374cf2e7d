/**
 * Routes other parts add to the content listener (the JWKS, device manifests). The request and
 * response are node:http's: extensions still write their own responses until issue 11 item 3
 * lets them only plan one and hand it to the listener. Only types are imported, so nothing of
 * node:http is loaded by importing this file.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DownloadVia } from './download-event.js';
import type { TokenIdentity } from './token-identity.js';

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
