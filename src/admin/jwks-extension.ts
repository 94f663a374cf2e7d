/**
 * The JWT server side on the content listener: `/.well-known/jwks.json` lists the public keys
 * of enabled JWT configurations, so anything that verifies Portcullis/Jamf tokens can fetch
 * them. Rebuilt only when the store's configuration generation changes.
 */
import { createHash, createPublicKey } from 'node:crypto';
import type { ContentExtension } from '../contracts/content-extension.js';
import { jwks } from '../keys/jwk.js';
import type { Store } from '../store/types.js';
import { withStoreDeadline } from './store-deadline.js';

/** Path of the JWKS document on the content listener. */
export const JWKS_PATH = '/.well-known/jwks.json';

/** Builds the JWKS body of all enabled configurations. */
export async function configurationJwks(store: Store): Promise<string> {
  const enabled = (await store.configurations.list()).filter((c) => c.enabled);
  const set = jwks(enabled.map((c) => ({ key: createPublicKey(c.publicKeyPem), kid: c.kid })));
  return JSON.stringify(set);
}

/**
 * A ContentExtension serving {@link JWKS_PATH} (GET/HEAD, `Cache-Control: public, max-age=300`,
 * an ETag for conditional requests). It only plans; the listener refuses other methods. With the
 * store away it answers 503 STORE_UNAVAILABLE (the listener's one answer for that).
 */
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
  // The generation is read on every request: bounded like the manifest route's store reads.
  return withStoreDeadline({
    path: JWKS_PATH,
    token: 'none',
    async plan({ ifNoneMatch }) {
      const { body, etag } = await current();
      const headers = {
        'content-type': 'application/jwk-set+json',
        'cache-control': 'public, max-age=300',
        etag,
      };
      if (ifNoneMatch === etag) return { status: 304, headers, body: null };
      return { status: 200, headers, body };
    },
  });
}
