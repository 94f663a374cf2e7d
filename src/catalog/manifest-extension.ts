/**
 * Serves app manifests on the content listener at `/.portcullis/manifest/<path>.plist?token=…`,
 * so a device (itms-services) or an MDM (InstallApplication ManifestURL) can fetch them with
 * the same kind of token as a download. The dot-directory prefix can never collide with real
 * content (serve refuses dot paths). The token is verified before the catalog is consulted, so
 * a refusal reveals nothing about what exists. The software-package URL inside carries the same
 * token: it is not bound to a path and the device fetches the package right after the manifest.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContentRepo } from '../store/types.js';
import { normalizeEncodedContentPath } from './content-path.js';
import { contentUrl, hasManifest, MANIFEST_ROUTE_PREFIX, manifestFor } from './install.js';
import { renderPlist } from './manifest.js';

/** Structurally a serve ContentExtension (src/server/types.ts). */
export interface ManifestExtension {
  readonly prefix: string;
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean>;
}

/** Options of {@link createManifestExtension}. */
export interface ManifestExtensionOptions {
  store: { content: Pick<ContentRepo, 'get'> };
  /** Public base URL of the content listener (from `--public-url`), or a getter for it. */
  publicUrl: string | (() => string);
  /**
   * Verifies a token exactly as downloads are verified. Throw a coded error (or return false)
   * to refuse; the code is sent back, the token never is.
   */
  verifyToken(token: string): boolean | Promise<boolean>;
}

/**
 * Builds the manifest route for `startServer({ contentExtensions: [...] })`.
 * @example createManifestExtension({ store, publicUrl, verifyToken: (t) => !!verifier.verify(t) })
 */
export function createManifestExtension(opts: ManifestExtensionOptions): ManifestExtension {
  return {
    prefix: MANIFEST_ROUTE_PREFIX,
    async handle(req, res, pathname) {
      if (!pathname.startsWith(MANIFEST_ROUTE_PREFIX)) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, req.method, 405, 'METHOD_NOT_ALLOWED', { allow: 'GET, HEAD' });
        return true;
      }
      const url = req.url ?? '';
      const q = url.indexOf('?');
      const tokens = q < 0 ? [] : new URLSearchParams(url.slice(q + 1)).getAll('token');
      if (tokens.length !== 1 || !tokens[0]) {
        send(res, req.method, 401, tokens.length > 1 ? 'TOKEN_MALFORMED' : 'TOKEN_MISSING');
        return true;
      }
      const token = tokens[0];
      const refused = await checkToken(opts, token);
      if (refused) {
        send(res, req.method, 401, refused);
        return true;
      }
      const tail = pathname.slice(MANIFEST_ROUTE_PREFIX.length);
      let path: string;
      try {
        if (!tail.endsWith('.plist')) throw new Error('not a manifest');
        path = normalizeEncodedContentPath(tail.slice(0, -'.plist'.length));
      } catch {
        send(res, req.method, 404, 'NOT_FOUND');
        return true;
      }
      const record = await opts.store.content.get(path);
      if (!record || !hasManifest(record)) {
        send(res, req.method, 404, 'NOT_FOUND');
        return true;
      }
      const base = typeof opts.publicUrl === 'function' ? opts.publicUrl() : opts.publicUrl;
      const download = new URL(contentUrl(base, record.path));
      download.searchParams.set('token', token);
      const body = renderPlist(manifestFor(record, download.href));
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

async function checkToken(opts: ManifestExtensionOptions, token: string): Promise<string | null> {
  try {
    return (await opts.verifyToken(token)) ? null : 'TOKEN_INVALID';
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && /^TOKEN_[A-Z_]+$/.test(code) ? code : 'TOKEN_INVALID';
  }
}

function send(
  res: ServerResponse,
  method: string | undefined,
  status: number,
  code: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ error: code.toLowerCase(), code });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...(status === 401 ? { 'www-authenticate': 'Bearer realm="portcullis"' } : {}),
    ...headers,
  });
  res.end(method === 'HEAD' ? undefined : body);
}
