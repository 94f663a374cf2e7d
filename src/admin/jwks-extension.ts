/**
 * The JWT server side on the content listener: `/.well-known/jwks.json` lists the public keys
 * of enabled JWT configurations, so anything that verifies Portcullis/Jamf tokens can fetch
 * them. Rebuilt only when the store's configuration generation changes.
 */
import { createHash, createPublicKey } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContentExtension } from '../contracts/content-extension.js';
import { jwks } from '../keys/jwk.js';
import type { Store } from '../store/types.js';

/** Path of the JWKS document on the content listener. */
export const JWKS_PATH = '/.well-known/jwks.json';

/** Builds the JWKS body of all enabled configurations. */
export async function configurationJwks(store: Store): Promise<string> {
  const enabled = (await store.configurations.list()).filter((c) => c.enabled);
  const set = jwks(enabled.map((c) => ({ key: createPublicKey(c.publicKeyPem), kid: c.kid })));
  return JSON.stringify(set);
}

/** A ContentExtension serving {@link JWKS_PATH} (GET/HEAD, `Cache-Control: public, max-age=300`). */
export function jwksExtension(store: Store): ContentExtension {
  let cached: { generation: number; body: string; etag: string } | undefined;
  const current = async () => {
    const generation = await store.configurations.generation();
    if (cached?.generation !== generation) {
      const body = await configurationJwks(store);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      cached = { generation, body, etag };
    }
    return cached;
  };
  return {
    prefix: JWKS_PATH,
    async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
      if (pathname !== JWKS_PATH) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-length': '0' }).end();
        return true;
      }
      const { body, etag } = await current();
      const headers = {
        'content-type': 'application/jwk-set+json',
        'cache-control': 'public, max-age=300',
        etag,
      };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers).end();
        return true;
      }
      res.writeHead(200, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}
