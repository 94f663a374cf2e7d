/**
 * The one method → path → token pipeline of the content listener. Downloads (file and proxy),
 * forward-auth and token-guarded content extensions all pass here, so every route refuses in the
 * same order, with the same codes, in the same shape, and records the same facts. The order is
 * what a refusal may reveal: method and path are pure checks of the URL, the token is checked
 * next, and only an admitted request may reach the disk, the upstream or the catalog.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ClientCertificateIdentity } from '../contracts/client-certificate.js';
import type { ExtensionCredential } from '../contracts/content-extension.js';
import { isReservedContentPath } from '../http/reserved.js';
import type { AuthResult } from './auth.js';
import type { ContentContext, RequestRecord } from './context.js';
import { sendRefusal, serveRefusal, tokenRefusal } from './respond.js';

/** A request a token admitted: its identity (the token itself only for routes that hand it on). */
export type TokenAdmitted = AuthResult & { ok: true };

/** A request the device's verified TLS client certificate admitted (no token involved). */
export interface CertificateAdmitted {
  ok: true;
  certificate: ClientCertificateIdentity;
}

/** An admitted request: by token, or (with `auth` client-cert modes) by device certificate. */
export type Admitted = TokenAdmitted | CertificateAdmitted;

/** What the content is that a request asks for: a checked path, or none at all (null). */
export type AdmissionTarget = { ok: true; path: string | null; directory: boolean } | { ok: false };

/** One request as the pipeline sees it. */
export interface AdmissionRequest {
  /** The method being authorised (for forward-auth: the original request's). */
  method: string;
  /** The pure path check's result; `path: null` when the route names no content. */
  target: AdmissionTarget;
  /** The raw query (token parameters are read from it). */
  query: string;
  /** The Authorization header's value, or every value. */
  authorization: string | readonly string[] | undefined;
  /**
   * The connection the device itself holds, whose TLS client certificate may admit the request
   * (`auth` client-cert modes); absent where the connection is a front server's (forward-auth).
   */
  connection?: Socket;
  /** A GET with a Range header. */
  isRange: boolean;
  /** Downloads start and continue resume grace; extensions never. */
  resumable: boolean;
  /**
   * Status for refusals that are not token refusals. Forward-auth answers 403: nginx
   * `auth_request` treats only 401 and 403 as "deny".
   */
  denyStatus?: 403;
  /** The route's own credential (content extensions only; see `AuthRequest.credential`). */
  credential?: ExtensionCredential;
}

/**
 * Runs the pipeline. Returns the token's identity when the request may proceed; otherwise the
 * refusal has been written (HEAD-aware, for `replyMethod`), `rec` says why, and null is returned.
 * Synchronous unless resume grace or a route's own credential has to be consulted. A credential
 * whose store is away rejects: nothing is admitted or refused here, and the handler answers it
 * 503 STORE_UNAVAILABLE (store-unavailable.ts).
 */
export function admit(
  ctx: ContentContext,
  res: ServerResponse,
  replyMethod: string | undefined,
  rec: RequestRecord,
  req: AdmissionRequest,
): Admitted | null | Promise<Admitted | null> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    rec.outcome = 'METHOD_NOT_ALLOWED';
    const allow: Record<string, string> =
      req.denyStatus === undefined ? { allow: 'GET, HEAD' } : {};
    sendRefusal(res, replyMethod, serveRefusal('METHOD_NOT_ALLOWED', allow, req.denyStatus));
    return null;
  }
  const { target } = req;
  // Pure (no disk): refusing here reveals nothing about the content. Nothing under the reserved
  // prefix is content, in any spelling that decodes to it.
  if (!target.ok || (target.path !== null && isReservedContentPath(target.path))) {
    rec.outcome = 'PATH_REJECTED';
    sendRefusal(res, replyMethod, serveRefusal('PATH_REJECTED', {}, req.denyStatus));
    return null;
  }
  if (target.path !== null) rec.path = target.path;
  if (ctx.clientCerts !== null && ctx.config.auth !== 'token') {
    const decided = admitByCertificate(ctx, res, replyMethod, rec, req);
    if (decided !== undefined) return decided;
  }
  const result = ctx.auth.authenticate({
    query: req.query,
    authorization: req.authorization,
    path: target.path,
    directory: target.directory,
    isRange: req.isRange,
    resumable: req.resumable,
    ...(req.credential ? { credential: req.credential } : {}),
  });
  if (result instanceof Promise) return result.then((r) => settle(res, replyMethod, rec, r));
  return settle(res, replyMethod, rec, result);
}

/**
 * The certificate step of `auth` client-cert and token-or-client-cert: a verified certificate
 * admits; a presented certificate that fails is refused with its code (a presented identity
 * that fails is never silently traded for a token); with none, client-cert refuses and
 * token-or-client-cert goes on to the token (undefined).
 */
function admitByCertificate(
  ctx: ContentContext,
  res: ServerResponse,
  replyMethod: string | undefined,
  rec: RequestRecord,
  req: AdmissionRequest,
): CertificateAdmitted | null | undefined {
  const check =
    req.connection === undefined
      ? ({ status: 'none' } as const)
      : ctx.clientCerts!.check(req.connection, ctx.now());
  if (check.status === 'none' && ctx.config.auth === 'token-or-client-cert') return undefined;
  if (check.status === 'ok') {
    rec.clientCert = check.identity;
    return { ok: true, certificate: check.identity };
  }
  const code = check.status === 'none' ? 'CLIENT_CERT_REQUIRED' : check.code;
  if (check.status === 'refused' && check.identity !== undefined) rec.clientCert = check.identity;
  rec.outcome = code;
  sendRefusal(res, replyMethod, serveRefusal(code, {}, req.denyStatus));
  return null;
}

/** Records the token's identity (or refusal) and writes a token refusal. */
function settle(
  res: ServerResponse,
  replyMethod: string | undefined,
  rec: RequestRecord,
  result: AuthResult,
): Admitted | null {
  if (result.fingerprint !== undefined) rec.fingerprint = result.fingerprint;
  if (!result.ok) {
    rec.outcome = result.code;
    sendRefusal(res, replyMethod, tokenRefusal(result.code));
    return null;
  }
  if (result.keyLabel !== undefined) rec.keyLabel = result.keyLabel;
  if (result.kid !== undefined) rec.kid = result.kid;
  if (result.configurationId !== undefined) rec.configurationId = result.configurationId;
  return result;
}

/**
 * The request's Authorization header for token extraction: its one value, or every value when a
 * client sent several (node:http keeps only the first in `headers`, so two are looked for only
 * when there is one: the common request pays nothing).
 */
export function authorizationOf(req: IncomingMessage): string | readonly string[] | undefined {
  const value = req.headers.authorization;
  if (value === undefined) return undefined;
  const all = req.headersDistinct.authorization;
  return all !== undefined && all.length > 1 ? all : value;
}
