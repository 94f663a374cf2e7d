/**
 * Content extensions on the listener's pipeline: the listener finds the extension for a path,
 * checks the method, and for token-guarded extensions admits the request (src/server/admission.ts)
 * before the extension plans; then it writes the plan or the planned refusal and records the
 * request. Extensions never touch the request or the response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContentExtension, ExtensionPlan } from '../contracts/content-extension.js';
import { RESERVED_PREFIX, type ReservedMatch, reservedPath } from '../http/reserved.js';
import { admit, authorizationOf } from './admission.js';
import type { ContentContext, RequestRecord } from './context.js';
import { sendPlanned, sendRefusal, serveRefusal, tokenRefusal } from './respond.js';

/** An extension and the raw path after its own. */
export interface ExtensionMatch {
  ext: ContentExtension;
  rest: string;
}

/** The extension answering a raw path outside the reserved prefix, or null. */
export function extensionAt(
  extensions: ContentExtension[],
  rawPath: string,
): ExtensionMatch | null {
  for (const ext of extensions) {
    // Reserved routes reach their extension through the table (and its aliases) only.
    if (ext.path.startsWith(RESERVED_PREFIX)) continue;
    if (ext.path.endsWith('/') ? rawPath.startsWith(ext.path) : rawPath === ext.path) {
      return { ext, rest: rawPath.slice(ext.path.length) };
    }
  }
  return null;
}

/** The extension serving a reserved route (by its canonical path), or null. */
export function extensionFor(
  extensions: ContentExtension[],
  match: ReservedMatch,
): ExtensionMatch | null {
  const path = reservedPath(match.route.name);
  const ext = extensions.find((e) => e.path === path);
  return ext ? { ext, rest: match.rest } : null;
}

/** Runs one extension's request through the pipeline and writes what it planned. */
export async function runExtension(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RequestRecord,
  { ext, rest }: ExtensionMatch,
  query: string,
): Promise<void> {
  const method = rec.method;
  const ifNoneMatch = req.headers['if-none-match'];
  if (ext.token === 'none') {
    // Public data: not audited, no token read.
    if (method !== 'GET' && method !== 'HEAD') {
      rec.outcome = 'METHOD_NOT_ALLOWED';
      sendRefusal(res, method, serveRefusal('METHOD_NOT_ALLOWED', { allow: 'GET, HEAD' }));
      return;
    }
    rec.outcome = 'EXTENSION';
    const plan = await ext.plan({ method, rest, subject: null, ifNoneMatch });
    return send(res, method, rec, plan);
  }
  rec.audited = true;
  rec.via = ext.via ?? 'file';
  const subject = ext.subject?.(rest) ?? null;
  const admitted = await admit(ctx, res, method, rec, {
    method,
    target: { ok: true, path: subject, directory: false },
    query,
    authorization: authorizationOf(req),
    connection: req.socket,
    isRange: false,
    resumable: false,
    ...(ext.credential ? { credential: ext.credential } : {}),
  });
  if (admitted === null) return;
  if ('certificate' in admitted) {
    const plan = await ext.plan({
      method: method === 'HEAD' ? 'HEAD' : 'GET',
      rest,
      subject,
      ifNoneMatch,
      certificate: admitted.certificate,
    });
    return send(res, method, rec, plan);
  }
  const identity = {
    fingerprint: admitted.fingerprint,
    keyLabel: admitted.keyLabel,
    kid: admitted.kid,
    configurationId: admitted.configurationId,
  };
  const plan = await ext.plan({
    method: method === 'HEAD' ? 'HEAD' : 'GET',
    rest,
    subject,
    ifNoneMatch,
    token: {
      value: admitted.token,
      identity,
      ...(admitted.credential ? { credential: admitted.credential } : {}),
    },
  });
  return send(res, method, rec, plan);
}

function send(res: ServerResponse, method: string, rec: RequestRecord, plan: ExtensionPlan): void {
  if ('refuse' in plan) {
    rec.outcome = plan.refuse;
    sendRefusal(
      res,
      method,
      plan.refuse === 'LINK_REFUSED' ? tokenRefusal(plan.refuse) : serveRefusal(plan.refuse),
    );
    return;
  }
  if (rec.audited) rec.outcome = plan.status === 304 ? 'NOT_MODIFIED' : 'OK';
  rec.bytesSent = sendPlanned(res, method, plan);
}
