/**
 * Serves app manifests on the content listener at `/.portcullis/manifest/<path>.plist?token=…`,
 * so a device (itms-services) or an MDM (InstallApplication ManifestURL) can fetch them with
 * the same kind of token as a download. The dot-directory prefix can never collide with real
 * content (serve refuses dot paths). The token is verified before the catalog is consulted, so
 * a refusal reveals nothing about what exists. The software-package URL inside carries the same
 * token, which the device uses right after the manifest: a token Portcullis minted is bound to
 * the content path (its `path` claim), so it opens this manifest and that one file, nothing else.
 */
import type { ServerResponse } from 'node:http';
import type { ContentRepo } from '../contracts/content-catalog.js';
import type { ContentExtension, ExtensionOutcome } from '../contracts/content-extension.js';
import type { TokenIdentity } from '../contracts/token-identity.js';
import { isTokenErrorCode, type TokenErrorCode, tokenChallenge } from '../token/errors.js';
import { normalizeEncodedContentPath } from './content-path.js';
import { contentUrl, MANIFEST_ROUTE_PREFIX, manifestFor, manifestReady } from './install.js';
import { renderPlist } from './manifest.js';

/** Options of {@link createManifestExtension}. */
export interface ManifestExtensionOptions {
  store: { content: Pick<ContentRepo, 'get'> };
  /** Public base URL of the content listener (from `--public-url`), or a getter for it. */
  publicUrl: string | (() => string);
  /**
   * Verifies a token exactly as downloads are verified, for the decoded content path the
   * manifest is about (`/apps/App.ipa`; absent when the request names no valid path), so a token
   * bound to another file is refused. Throw a coded error (or return false) to refuse; the code
   * is sent back, the token never is. Returning the token's identity puts it into the audit trail.
   */
  verifyToken(
    token: string,
    path?: string,
  ): boolean | TokenIdentity | Promise<boolean | TokenIdentity>;
}

/**
 * Builds the manifest route for `startServer({ contentExtensions: [...] })`.
 * @example createManifestExtension({ store, publicUrl, verifyToken: (t) => ctx.verifyToken(t) })
 */
export function createManifestExtension(opts: ManifestExtensionOptions): ContentExtension {
  return {
    prefix: MANIFEST_ROUTE_PREFIX,
    async handle(req, res, pathname, report = () => {}) {
      if (!pathname.startsWith(MANIFEST_ROUTE_PREFIX)) return false;
      const refuse = (status: number, code: string, extra: Partial<ExtensionOutcome> = {}) => {
        report({ via: 'manifest', outcome: code, path: '-', ...extra });
        if (isTokenErrorCode(code)) {
          // Exactly the 401 a download gets for the same token.
          const { body, wwwAuthenticate } = tokenChallenge(code);
          send(res, req.method, status, body, { 'www-authenticate': wwwAuthenticate });
        } else {
          const body = JSON.stringify({ error: code.toLowerCase(), code });
          send(res, req.method, status, body, status === 405 ? { allow: 'GET, HEAD' } : {});
        }
        return true;
      };
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, 'METHOD_NOT_ALLOWED');
      const url = req.url ?? '';
      const q = url.indexOf('?');
      const tokens = q < 0 ? [] : new URLSearchParams(url.slice(q + 1)).getAll('token');
      if (tokens.length !== 1 || !tokens[0]) {
        return refuse(401, tokens.length > 1 ? 'TOKEN_MALFORMED' : 'TOKEN_MISSING');
      }
      const token = tokens[0];
      // The path is worked out (purely, no catalog) first so the token check can bind to it.
      const path = manifestContentPath(pathname.slice(MANIFEST_ROUTE_PREFIX.length));
      const checked = await checkToken(opts, token, path === null ? undefined : `/${path}`);
      if (typeof checked === 'string') return refuse(401, checked, { refusedToken: token });
      // Who the token is, for every report from here on (absent when the verifier only said yes).
      const who: Partial<ExtensionOutcome> = checked ? { identity: checked } : {};
      if (path === null) return refuse(404, 'NOT_FOUND', who);
      const record = await opts.store.content.get(path);
      // No manifest without the file's own bundle identifier and version (never invented).
      if (!record || !manifestReady(record)) {
        return refuse(404, 'NOT_FOUND', { ...who, path: `/${path}` });
      }
      const base = typeof opts.publicUrl === 'function' ? opts.publicUrl() : opts.publicUrl;
      const download = new URL(contentUrl(base, record.path));
      download.searchParams.set('token', token);
      const body = renderPlist(manifestFor(record, download.href));
      report({ via: 'manifest', outcome: 'OK', ...who, path: `/${path}` });
      res.writeHead(200, {
        'content-type': 'application/xml; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'private, no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}

/**
 * A token refusal code, or the identity (null when the verifier only said yes). A verifier that
 * returns false refuses as SIGNATURE_INVALID; one that throws without a token code, as
 * TOKEN_MALFORMED (what downloads answer for a token the verifier cannot make sense of).
 */
async function checkToken(
  opts: ManifestExtensionOptions,
  token: string,
  path: string | undefined,
): Promise<TokenErrorCode | TokenIdentity | null> {
  try {
    const verdict = await (path === undefined
      ? opts.verifyToken(token)
      : opts.verifyToken(token, path));
    if (verdict === false) return 'SIGNATURE_INVALID';
    return verdict === true ? null : verdict;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return isTokenErrorCode(code) ? code : 'TOKEN_MALFORMED';
  }
}

/** The catalog path a manifest request names (`apps/App.ipa` for `apps/App.ipa.plist`), or null. */
function manifestContentPath(tail: string): string | null {
  if (!tail.endsWith('.plist')) return null;
  try {
    return normalizeEncodedContentPath(tail.slice(0, -'.plist'.length));
  } catch {
    return null;
  }
}

function send(
  res: ServerResponse,
  method: string | undefined,
  status: number,
  body: string,
  headers: Record<string, string>,
): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(method === 'HEAD' ? undefined : body);
}
