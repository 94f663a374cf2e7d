/**
 * Wires the catalog's device manifest route (`/.portcullis/manifest/<path>.plist?token=…`) into
 * the content listener for `serve --data`. Content extensions run before serve's own token
 * check, so this builds a verifier of its own over the same key source and the same claim
 * rules as downloads. A factory, so every cluster worker gets its own key ring.
 */
import { type Logger, pino } from 'pino';
import {
  createManifestExtension,
  type ManifestExtension,
} from '../../catalog/manifest-extension.js';
import type { ServeConfig } from '../../server/config.js';
import { KeyManager } from '../../server/keys.js';
import type { ContentExtensionContext, KeySource } from '../../server/types.js';
import type { Store } from '../../store/types.js';

/** Options of {@link contentManifestExtension}. */
export interface ContentManifestExtensionOptions {
  store: Store;
  config: ServeConfig;
  keySource: KeySource;
  /** Where key-loading problems are logged; silent when absent (the content listener logs them too). */
  logger?: Logger;
}

/**
 * A content-extension factory serving app manifests to devices with a download token.
 * The download URL inside a manifest is built from `--public-url`, or else the content
 * listener's own scheme, host and port; never from the Host header.
 * @example contentExtensions: [jwksExtension(store), contentManifestExtension({ store, config, keySource, logger })]
 */
export function contentManifestExtension(
  opts: ContentManifestExtensionOptions,
): (ctx: ContentExtensionContext) => Promise<ManifestExtension> {
  return async (ctx) => {
    const { config } = opts;
    const keys = new KeyManager(
      opts.keySource,
      {
        issuer: config.issuer,
        subject: config.subject,
        audience: config.audience,
        leewaySeconds: config.leeway,
        maxLifetimeSeconds: config.maxTokenLifetime,
        cache: false,
      },
      opts.logger ?? pino({ level: 'silent' }),
      config.keyWatchDebounceMs,
    );
    await keys.reload().catch(() => {}); // the content listener reports key problems itself
    keys.watch();
    return createManifestExtension({
      store: opts.store,
      publicUrl: () => ctx.publicUrl(),
      verifyToken: (token) => {
        keys.verifier.verify(token);
        return true;
      },
    });
  };
}
