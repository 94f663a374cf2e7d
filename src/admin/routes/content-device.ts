/**
 * Wires the catalog's device manifest route (`/.portcullis/manifest/<path>.plist?token=…`) into
 * the content listener for `serve --data`. Content extensions run before serve's own token
 * check, so the route verifies the token itself, through the listener (`ctx.verifyToken`): the
 * same key ring, claim rules and cache as downloads, and the fetch lands in the audit trail.
 */
import { createManifestExtension } from '../../catalog/manifest-extension.js';
import type {
  ContentExtension,
  ContentExtensionContext,
} from '../../contracts/content-extension.js';
import type { Store } from '../../store/types.js';

/** Options of {@link contentManifestExtension}. */
export interface ContentManifestExtensionOptions {
  store: Store;
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
  return (ctx) =>
    createManifestExtension({
      store: opts.store,
      publicUrl: () => ctx.publicUrl(),
      verifyToken: (token, path) => ctx.verifyToken(token, path),
    });
}
