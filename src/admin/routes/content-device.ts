/**
 * Wires the catalog's device manifest route (`/_portcullis/manifest/<path>.plist?token=…`) into
 * the content listener for `serve --data`. The listener verifies the token (same key ring,
 * claim rules and cache as downloads, bound to the manifest's content path) before the route
 * plans its answer, and the fetch lands in the audit trail. With `links`, manifest links open
 * their own item's manifest too (src/admin/manifest-links.ts).
 */
import { createManifestExtension } from '../../catalog/manifest-extension.js';
import type {
  ContentExtension,
  ContentExtensionContext,
} from '../../contracts/content-extension.js';
import type { LinkTokenKey } from '../../store/link-token.js';
import type { Store } from '../../store/types.js';
import { manifestLinkGate } from '../manifest-links.js';
import { withStoreDeadline } from '../store-deadline.js';

/** Options of {@link contentManifestExtension}. */
export interface ContentManifestExtensionOptions {
  store: Store;
  /**
   * Manifest links: the link key and the listener's minting (`ConfigurationSigner
   * .signForManifestLink`). Without them the route takes download tokens only.
   */
  links?: {
    key: LinkTokenKey;
    signDownload(configurationId: string, path: string, notAfter: number): Promise<string>;
    onError?(err: unknown): void;
  };
}

/**
 * A content-extension factory serving app manifests to devices with a download token.
 * The download URL inside a manifest is built from `--public-url`, or else the content
 * listener's own scheme, host and port; never from the Host header.
 * @example contentExtensions: [jwksExtension(store), contentManifestExtension({ store })]
 */
export function contentManifestExtension(
  opts: ContentManifestExtensionOptions,
): (ctx: ContentExtensionContext) => ContentExtension {
  // Every fetch reads the store (link, configuration, item): bounded, so a store that stops
  // answering costs a device a 503 STORE_UNAVAILABLE, not a request held until the socket idles.
  return (ctx) =>
    withStoreDeadline(
      createManifestExtension({
        store: opts.store,
        publicUrl: () => ctx.publicUrl(),
        ...(opts.links ? { links: manifestLinkGate({ store: opts.store, ...opts.links }) } : {}),
      }),
    );
}
