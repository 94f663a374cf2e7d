/**
 * Routes other parts add to the content listener (the JWKS, device manifests). An extension
 * only plans: the listener checks the method, asks the extension which content path a request
 * is about, verifies the token (bound to that path) exactly as for a download, writes every
 * refusal in its one shape, writes the planned response and keeps the request record. No
 * extension sees node:http's request or response.
 */
import type { ClientCertificateIdentity } from './client-certificate.js';
import type { DownloadVia } from './download-event.js';
import type { TokenIdentity } from './token-identity.js';

/** Extra GET/HEAD routes on the content listener (for example `/.well-known/jwks.json`). */
export interface ContentExtension {
  /**
   * The raw path the extension answers: exact, or every path under it when it ends with `/`.
   * A path under `/_portcullis/` must be a reserved route's (`src/http/reserved.ts`), so its
   * deprecated aliases reach the extension too.
   */
  readonly path: string;
  /**
   * `'none'`: public data (a JWKS) — no token is read and the request is not audited.
   * `'required'`: the listener verifies the request's token (or, with `auth` client-cert, the
   * device's certificate) first and refuses without calling
   * {@link plan}; the request is audited with {@link via}.
   */
  readonly token: 'none' | 'required';
  /** How audited requests are labelled (`'manifest'`). */
  readonly via?: DownloadVia;
  /**
   * Pure (no catalog, no disk): the decoded content path a request is about, from the part of
   * the raw path after {@link path} (`apps/App.ipa.plist` → `/apps/App.ipa`), or null when it
   * names none. The token is bound to it, as a download of that path would be; a token bound
   * to a file never opens a request that names none.
   */
  subject?(rest: string): string | null;
  /**
   * A credential of the extension's own (a manifest link) that the listener accepts on this
   * route, and only here, in place of a download token: a token it {@link
   * ExtensionCredential.recognizes} is never verified as a JWT, and one it refuses is answered
   * with the token refusal `LINK_REFUSED`, whatever the reason.
   */
  readonly credential?: ExtensionCredential;
  /**
   * Plans the response to a request that passed the method and token checks. When a store it
   * reads cannot be reached it rejects with a coded `STORE_UNAVAILABLE` error: the listener
   * answers 503 `STORE_UNAVAILABLE` with `Retry-After`; any other rejection is a 500.
   */
  plan(request: ExtensionRequest): ExtensionPlan | Promise<ExtensionPlan>;
}

/** What an extension learns about a request it plans for. */
export interface ExtensionRequest {
  method: 'GET' | 'HEAD';
  /** The raw path after {@link ContentExtension.path} (still percent-encoded). */
  rest: string;
  /** {@link ContentExtension.subject}'s answer; null when it names none or there is no subject. */
  subject: string | null;
  /** The request's `If-None-Match`, for conditional answers. */
  ifNoneMatch: string | undefined;
  /**
   * The verified token and who it is; present when the extension requires a token and a token
   * admitted the request.
   */
  token?: {
    value: string;
    identity: TokenIdentity;
    /** Set when the token was the extension's own credential, not a download token. */
    credential?: ExtensionCredentialGrant;
  };
  /**
   * The device's verified TLS client certificate, present instead of {@link token} when the
   * listener's `auth` setting let the certificate admit the request: URLs the extension writes
   * then carry no token (the device presents its certificate again).
   */
  certificate?: ClientCertificateIdentity;
}

/** A credential an extension checks itself (see {@link ContentExtension.credential}). */
export interface ExtensionCredential {
  /** Pure and cheap: whether `token` is in this credential's format (never a JWT). */
  recognizes(token: string): boolean;
  /**
   * The grant when `token` may open `subject` (the request's content path), else null. Throws
   * only for technical failures, never for a bad token: a store that cannot be reached (or does
   * not answer in time) rejects with a coded `STORE_UNAVAILABLE`, which the listener answers
   * 503 with `Retry-After` — never an admission, never `LINK_REFUSED`.
   */
  authenticate(token: string, subject: string | null): Promise<ExtensionCredentialGrant | null>;
}

/** What an accepted extension credential is, as the audit records it. */
export interface ExtensionCredentialGrant {
  /** The credential's id (a manifest link's). */
  id: string;
  /** Recorded as the audit event's key label (`link:<id>`). */
  keyLabel: string;
  /** The JWT configuration the credential belongs to (the audit attributes the fetch to it). */
  configurationId: string;
  /** Unix seconds when the credential expires. */
  exp: number;
}

/**
 * Manifest links as the device-manifest extension sees them: the credential, and the fresh
 * short-lived download token each manifest fetched with a link carries.
 */
export interface ManifestLinkGate extends ExtensionCredential {
  /**
   * A download token bound to `path` (`/apps/App.ipa`), signed with the grant's configuration;
   * null when the grant no longer holds (its configuration was disabled or deleted since the check).
   */
  downloadToken(grant: ExtensionCredentialGrant, path: string): Promise<string | null>;
}

/**
 * A planned answer: a response the listener writes (status, headers, body; HEAD drops the body,
 * the listener adds its common headers and Content-Length), or a refusal by stable code that the
 * listener writes in its one refusal shape.
 */
export type ExtensionPlan =
  | {
      status: number;
      headers: Readonly<Record<string, string>>;
      /** null for a body-less answer (304). */
      body: string | Uint8Array | null;
    }
  | { refuse: ExtensionRefusalCode };

/**
 * Refusals an extension may plan; everything else (method, token) the listener decides.
 * `LINK_REFUSED`: the route's own credential, admitted a moment ago, no longer grants (its
 * configuration was disabled or deleted in between) — answered exactly as the check would have.
 */
export type ExtensionRefusalCode = 'NOT_FOUND' | 'LINK_REFUSED';

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
