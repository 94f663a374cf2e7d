/**
 * Manifest links: long-lived, revocable credentials that open one catalog item's device
 * manifest (`/_portcullis/manifest/<path>.plist?token=pml_…`) and nothing else. A declaration
 * (`com.apple.configuration.package`, `…app.managed`) holds the link for as long as it exists;
 * every fetch returns a manifest whose package URL carries a freshly minted download token
 * bound to that file and living at most {@link LINK_DOWNLOAD_TOKEN_MAX_SECONDS} (and never past
 * the configuration's token lifetime or the link's own expiry).
 *
 * This file holds what the admin routes and the listener share: the view, the URL, the checks
 * of a create, and the gate the content listener asks on every fetch ({@link manifestLinkGate}),
 * which reads the link's row each time (no cache), so a revoke is seen by the next fetch on
 * every node and worker. docs/decisions.md ("Manifest links") explains the choices.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { CatalogError } from '../catalog/errors.js';
import { hasManifest, manifestReady, manifestUrlOf } from '../catalog/install.js';
import type { ExtensionCredentialGrant, ManifestLinkGate } from '../contracts/content-extension.js';
import { isLinkToken, type LinkTokenKey } from '../store/link-token.js';
import type { ManifestLinkRecord, Store } from '../store/types.js';
import { tokenFingerprint } from '../token/node.js';
import { addTokenToUrl } from '../token/url.js';
import { AdminError } from './errors.js';
import type { ManifestLinkView } from './schemas/manifest-links.js';

/** Active (unrevoked, unexpired) links one item may have at once. */
export const MANIFEST_LINK_ACTIVE_LIMIT = 100;
/** `lastUsedAt` is written at most this often per link (a device polling must not mean a write each time). */
export const LINK_USE_RECORD_INTERVAL_MS = 60_000;
/** Audit key label of a fetch made with a link: `link:<id>`. */
export const LINK_KEY_LABEL_PREFIX = 'link:';

/**
 * The device manifest URL of a link: the item's manifest route with the link token.
 * @example manifestLinkUrl('https://dl.example.com', 'apps/App.ipa', token)
 *   // 'https://dl.example.com/_portcullis/manifest/apps/App.ipa.plist?token=pml_…'
 */
export function manifestLinkUrl(publicUrl: string, contentPath: string, token: string): string {
  return addTokenToUrl(manifestUrlOf(publicUrl, contentPath), token);
}

/** A record as the API shows it; `now` decides `status`. */
export function manifestLinkView(
  r: ManifestLinkRecord,
  now: number,
): z.infer<typeof ManifestLinkView> {
  const status =
    r.revokedAt !== null ? 'revoked' : Date.parse(r.expiresAt) <= now ? 'expired' : 'active';
  return {
    id: r.id,
    path: r.contentPath,
    configurationId: r.configurationId,
    label: r.label,
    fingerprint: r.fingerprint,
    status,
    createdAt: r.createdAt,
    createdBy: r.createdBy,
    expiresAt: r.expiresAt,
    revokedAt: r.revokedAt,
    revokedBy: r.revokedBy,
    lastUsedAt: r.lastUsedAt,
  };
}

/** What a create asks for (validated by the route's schema). */
export interface ManifestLinkInput {
  path: string;
  configurationId: string;
  label: string;
  expiresInDays: number;
}

/**
 * Creates a link after checking that the item has a manifest and the configuration can sign;
 * records `manifest-link.create` (fingerprint, never the token) in the same transaction.
 * @returns the record and its token (shown to the caller; derivable again only by an admin).
 * @throws CatalogError CONTENT_NOT_FOUND, COMMAND_NOT_APPLICABLE, BUNDLE_VALUES_REQUIRED;
 *   AdminError NOT_FOUND (configuration), CONFIGURATION_DISABLED, MANIFEST_LINK_LIMIT
 */
export async function createManifestLink(
  deps: { store: Store; key: LinkTokenKey; now: () => number },
  actor: string,
  input: ManifestLinkInput,
  record: (details: Record<string, unknown>, id: string) => Promise<void>,
): Promise<{ link: ManifestLinkRecord; token: string }> {
  const { store, key } = deps;
  return store.transaction(async () => {
    const item = await store.content.get(input.path);
    if (!item) throw new CatalogError('CONTENT_NOT_FOUND');
    if (!hasManifest(item)) throw new CatalogError('COMMAND_NOT_APPLICABLE');
    if (!manifestReady(item)) throw new CatalogError('BUNDLE_VALUES_REQUIRED');
    const configuration = await store.configurations.get(input.configurationId);
    if (!configuration) throw new AdminError('NOT_FOUND', 'No JWT configuration with this id.');
    if (!configuration.enabled) throw new AdminError('CONFIGURATION_DISABLED');
    if ((await store.manifestLinks.countActive(item.path)) >= MANIFEST_LINK_ACTIVE_LIMIT) {
      throw new AdminError('MANIFEST_LINK_LIMIT');
    }
    const id = randomUUID();
    const token = key.tokenFor(id);
    const expiresAt = new Date(deps.now() + input.expiresInDays * 86_400_000).toISOString();
    const link = await store.manifestLinks.create({
      id,
      contentPath: item.path,
      configurationId: configuration.id,
      label: input.label,
      fingerprint: tokenFingerprint(token),
      createdBy: actor,
      expiresAt,
    });
    await record(
      {
        path: item.path,
        configurationId: configuration.id,
        label: input.label,
        expiresAt,
        fingerprint: link.fingerprint,
      },
      id,
    );
    return { link, token };
  });
}

/**
 * An active link's token and manifest URL again, for an admin (the route `POST …/<id>/url`, and
 * any export that puts the URL into a declaration): derived from the id, so it is the URL given at
 * creation. `record` writes the `manifest-link.reveal` change-log row before it is returned.
 * @throws AdminError NOT_FOUND for an unknown, revoked or expired link
 */
export async function revealManifestLink(
  deps: { store: Store; key: LinkTokenKey; now: () => number },
  id: string,
  publicUrl: string,
  record: (details: Record<string, unknown>) => Promise<void>,
): Promise<{ link: ManifestLinkRecord; token: string; manifestUrl: string }> {
  const link = await deps.store.manifestLinks.get(id);
  // A revoked or expired link's URL opens nothing; showing it would only mislead.
  if (!link || manifestLinkView(link, deps.now()).status !== 'active') {
    throw new AdminError('NOT_FOUND', 'No active manifest link with this id.');
  }
  const token = deps.key.tokenFor(link.id);
  await record({ path: link.contentPath, fingerprint: link.fingerprint });
  return { link, token, manifestUrl: manifestLinkUrl(publicUrl, link.contentPath, token) };
}

/** The one refusal of every link that may not open a manifest (unknown, revoked, expired, other item). */
const REFUSED = null;

/** What the gate needs: the store, the link key and the listener's minting without a change-log row. */
export interface ManifestLinkGateOptions {
  store: Pick<Store, 'manifestLinks' | 'configurations'>;
  key: LinkTokenKey;
  /**
   * Signs a short-lived download token bound to `path` with the configuration's key, expiring
   * no later than `notAfter` (Unix seconds: the link's own expiry).
   */
  signDownload(configurationId: string, path: string, notAfter: number): Promise<string>;
  now?: () => number;
  /** Told when recording `lastUsedAt` failed (the fetch is answered anyway). */
  onError?(err: unknown): void;
}

/**
 * The content listener's view of manifest links, for the device-manifest extension: recognise
 * the format, admit a link for exactly its item's manifest, mint the fresh download token.
 * @example createManifestExtension({ store, publicUrl, links: manifestLinkGate({ store, key, signDownload }) })
 */
export function manifestLinkGate(opts: ManifestLinkGateOptions): ManifestLinkGate {
  const now = opts.now ?? Date.now;
  return {
    recognizes: isLinkToken,
    async authenticate(token, subject): Promise<ExtensionCredentialGrant | null> {
      // HMAC first: a forged or tampered token costs no query.
      const id = opts.key.idOf(token);
      if (id === null || subject === null) return REFUSED;
      const link = await opts.store.manifestLinks.get(id);
      if (!link || link.revokedAt !== null || `/${link.contentPath}` !== subject) return REFUSED;
      const exp = Date.parse(link.expiresAt);
      if (!(exp > now())) return REFUSED;
      const configuration = await opts.store.configurations.get(link.configurationId);
      if (!configuration?.enabled) return REFUSED;
      // Written at most once a minute, and not even attempted in between: a device polling a
      // link must not mean a write (a SQLite write lock) per fetch.
      const lastUsed = link.lastUsedAt === null ? 0 : Date.parse(link.lastUsedAt);
      if (now() - lastUsed >= LINK_USE_RECORD_INTERVAL_MS) {
        opts.store.manifestLinks
          .markUsed(link.id, LINK_USE_RECORD_INTERVAL_MS)
          .catch((err: unknown) => opts.onError?.(err));
      }
      return {
        id: link.id,
        keyLabel: `${LINK_KEY_LABEL_PREFIX}${link.id}`,
        configurationId: link.configurationId,
        exp: Math.floor(exp / 1000),
      };
    },
    async downloadToken(grant, path) {
      try {
        return await opts.signDownload(grant.configurationId, path, grant.exp);
      } catch (err) {
        // Disabled or deleted between the link's check and this fetch's plan: the link is
        // refused as the check would have refused it, not answered with a 500.
        if (
          err instanceof AdminError &&
          (err.code === 'CONFIGURATION_DISABLED' || err.code === 'NOT_FOUND')
        )
          return null;
        throw err;
      }
    },
  };
}
