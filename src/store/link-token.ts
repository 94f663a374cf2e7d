/**
 * Manifest-link tokens. A link token is `pml_` + base64url(link id (16 bytes) ‖ HMAC-SHA256 of
 * the id under a key derived from the store secret) — 68 characters, never a JWT (a JWT starts
 * `ey`). The token is therefore re-derivable from the row's id by whoever holds the store
 * secret, and by nobody else: the database alone (a dump, a read-only replica) holds no link
 * credential, and a forged or tampered token is refused by one HMAC before any database
 * lookup, so guessing costs the listener no query. Revocation and expiry live in the row
 * (src/store/types.ts `ManifestLinkRecord`), which the listener reads on every fetch.
 * docs/decisions.md ("Manifest links") says why it is derived rather than random-and-hashed.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** Every link token starts with this (a JWT never does). */
export const LINK_TOKEN_PREFIX = 'pml_';

const ID_BYTES = 16;
const MAC_BYTES = 32;
/** Length of a link token: the prefix and 48 bytes in base64url (no padding). */
export const LINK_TOKEN_LENGTH = LINK_TOKEN_PREFIX.length + ((ID_BYTES + MAC_BYTES) / 3) * 4;
const BODY = /^[A-Za-z0-9_-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Mints and checks link tokens with one store's key; holds only the derived key. */
export interface LinkTokenKey {
  /** The token of the link `id` (a lower-case UUID). Same id, same token. */
  tokenFor(id: string): string;
  /** The link id a token names when its MAC is right, else null. Constant-time compare. */
  idOf(token: string): string | null;
}

/** Whether `token` is in the link-token format (cheap, no key): only then is it checked as a link. */
export function isLinkToken(token: string): boolean {
  return token.startsWith(LINK_TOKEN_PREFIX);
}

/**
 * The link-token key of a store secret (HKDF-SHA256, its own `info`, so it is independent of
 * every other use of the secret).
 * @example const key = linkTokenKey(secret); key.idOf(key.tokenFor(id)) === id
 */
export function linkTokenKey(secret: Uint8Array): LinkTokenKey {
  const key = Buffer.from(
    hkdfSync('sha256', secret, new Uint8Array(0), 'portcullis manifest-link token v1', 32),
  );
  const mac = (id: Buffer) => createHmac('sha256', key).update(id).digest();
  return {
    tokenFor(id) {
      if (!UUID.test(id)) throw new TypeError('a manifest link id is a lower-case UUID');
      const raw = Buffer.from(id.replaceAll('-', ''), 'hex');
      return LINK_TOKEN_PREFIX + Buffer.concat([raw, mac(raw)]).toString('base64url');
    },
    idOf(token) {
      if (token.length !== LINK_TOKEN_LENGTH || !isLinkToken(token)) return null;
      const body = token.slice(LINK_TOKEN_PREFIX.length);
      if (!BODY.test(body)) return null;
      // 48 bytes fill 64 characters exactly: every string of them decodes canonically.
      const bytes = Buffer.from(body, 'base64url');
      if (bytes.length !== ID_BYTES + MAC_BYTES) return null;
      const raw = bytes.subarray(0, ID_BYTES);
      if (!timingSafeEqual(bytes.subarray(ID_BYTES), mac(raw))) return null;
      const hex = raw.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
  };
}
