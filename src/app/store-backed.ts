/**
 * The store-backed deployment shape (`serve --data DIR`, and the zero-configuration start):
 * store + secret, the first admin, verification keys from enabled JWT configurations (plus any
 * --key files), the audit sink, the admin API extension, the JWKS and device-manifest content
 * extensions and the audit retention job, all built here so that admin, server and store stay
 * beside each other and never import one another.
 */

import type { Logger } from 'pino';
import { adminPlugin } from '../admin/app.js';
import { ConfigurationSigner, type SignedUrl } from '../admin/configuration-signer.js';
import { jwksExtension } from '../admin/jwks-extension.js';
import { contentManifestExtension } from '../admin/routes/content-device.js';
import type { ContentStorage } from '../contracts/content-storage.js';
import type { KeySource } from '../contracts/key-source.js';
import { probeRunner } from '../probe/runner.js';
import { bucketLocationOf, type ServeConfig } from '../server/config.js';
import { fileKeySource } from '../server/listener-verifier.js';
import type { AdminExtension } from '../server/types.js';
import { openS3Storage } from '../storage/open.js';
import { storeAuditSink } from '../store/audit-sink.js';
import { ensureFirstAdmin } from '../store/first-admin.js';
import { storeKeySource } from '../store/key-source.js';
import { linkTokenKey } from '../store/link-token.js';
import { openStoreWithSecret } from '../store/open.js';
import { startRetention } from '../store/retention.js';
import type { Store } from '../store/types.js';
import { firstAdminBanner } from './banner.js';
import { revealSecret, SECRET_FILES } from './secret-notice.js';
import type { ServeOptions } from './types.js';
import { SAMPLE_NAME, type ZeroConfigLayout } from './zero-config.js';
import { adoptZeroConfigKey, enabledZeroConfigConfiguration } from './zero-config-key.js';

/** Options of {@link composeStoreBacked}. */
export interface StoreBackedOptions {
  /** The zero-configuration layout: its key becomes "Default" once in the store's life. */
  zeroConfig?: ZeroConfigLayout | null;
  env?: NodeJS.ProcessEnv;
  /**
   * Where the one-time password banner goes. Default: stderr when it is a terminal, else a
   * 0600 file in the data directory (src/app/secret-notice.ts).
   */
  stderr?: (text: string) => void;
  logger?: Logger;
  /** Poll interval of the store key source (ms). */
  keyPollMs?: number;
  /**
   * Run the audit-retention job in this process (default true). Cluster workers open the store
   * too (their key source and extensions read it); one retention job, in the primary, is enough.
   */
  retention?: boolean;
  /**
   * Where the admin API and the catalog keep content: the storage `serve --storage s3://…`
   * opened (src/storage/open.ts), shared with the content listener. Without it, the folder
   * `config.root` on disk.
   */
  contentStorage?: ContentStorage;
}

/** The store-backed parts startServer takes, plus handles for the start banner and shutdown. */
export interface StoreBacked {
  /** The config to start with (zero-config key file dropped once the store holds it). */
  config: ServeConfig;
  parts: Required<
    Pick<ServeOptions, 'keySource' | 'auditSink' | 'adminExtensions' | 'contentExtensions'>
  > &
    Pick<ServeOptions, 'graceStore'>;
  store: Store;
  secret: Uint8Array;
  /** One-time credentials when this start created the first admin, else null. */
  firstAdmin: { username: string; password: string } | null;
  /**
   * Shows the one-time password (when this start created the first admin) with the console
   * URL, once; later calls do nothing. Called after the listeners are up, or by the cleanup of
   * a failed start (`consoleUrl` null) so that a password already stored is never lost.
   */
  revealFirstAdmin(consoleUrl: string | null): Promise<void>;
  /**
   * Signs the zero-config sample URL with the "Default" configuration, through the one signer
   * (bound to the sample file and recorded like every minted token); null when there is none
   * (not a zero-config store, or "Default" was deleted or disabled since).
   */
  signZeroConfigSample(url: string): Promise<SignedUrl | null>;
  /** Stops the retention job and closes the store (call after the server has closed). */
  close(): Promise<void>;
}

/** Store keys plus key files as one source; watching follows both. */
export function combinedKeySource(sources: KeySource[]): KeySource {
  return {
    async load() {
      return (await Promise.all(sources.map((s) => s.load()))).flat();
    },
    watch(onChange) {
      const stops = sources.map((s) => s.watch?.(onChange) ?? (() => {}));
      return () => {
        for (const stop of stops) stop();
      };
    },
    degraded() {
      return sources.some((s) => s.degraded?.() ?? false);
    },
    describe() {
      return sources.map((s) => s.describe()).join(' + ');
    },
  };
}

function adminExtension(
  store: Store,
  secret: Uint8Array,
  config: ServeConfig,
  contentStorage: ContentStorage | undefined,
): AdminExtension {
  return {
    async register(app, ctx) {
      await app.register(adminPlugin, {
        store,
        secret,
        publicUrl: ctx.publicUrl,
        ...(contentStorage
          ? { contentStorage }
          : { contentRoot: ctx.config.root ?? config.root ?? '' }),
        pinningCertsFile: ctx.config.pinningCerts ?? ctx.config.tlsCert ?? undefined,
        onKeysChanged: () => ctx.keys.reload(),
        // External JWKS failures and refusal reasons go to the serve log, never to the caller.
        jwks: { logger: ctx.logger },
        probe: probeRunner,
      });
    },
  };
}

/**
 * The bucket the admin API and the catalog write to when `serve --storage s3://…` serves from
 * one: the same bucket and S3 settings as the content listener, its own client (the listener
 * checks the bucket at start). Undefined for a directory: the admin then uses `config.root`.
 */
async function catalogBucket(config: ServeConfig): Promise<ContentStorage | undefined> {
  const location = bucketLocationOf(config);
  if (location === null) return undefined;
  return openS3Storage(location, {
    ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}),
    ...(config.s3Region ? { region: config.s3Region } : {}),
    forcePathStyle: config.s3PathStyle,
  });
}

/**
 * Opens the data directory and builds the store-backed serve parts.
 * @example const built = await composeStoreBacked(config, { zeroConfig: zero });
 */
export async function composeStoreBacked(
  config: ServeConfig,
  opts: StoreBackedOptions = {},
): Promise<StoreBacked> {
  const { store, secret } = await openStoreWithSecret(
    config.databaseUrl
      ? {
          databaseUrl: config.databaseUrl,
          ...(config.databaseCa ? { caFile: config.databaseCa } : {}),
        }
      : { dataDir: config.data },
    config.data,
    opts.env ?? process.env,
  );
  try {
    const firstAdmin = await ensureFirstAdmin(store);
    let keys = config.keys;
    if (opts.zeroConfig) {
      await adoptZeroConfigKey(store, secret, opts.zeroConfig);
      // The store holds the zero-config key; a key file listed too would verify twice under two labels.
      keys = [];
    }
    const logger = opts.logger;
    const fromStore = storeKeySource(store, {
      pollMs: opts.keyPollMs ?? 1000,
      ...(logger ? { logger } : {}),
    });
    const keySource =
      keys.length > 0 ? combinedKeySource([fileKeySource(keys), fromStore]) : fromStore;
    const retention =
      opts.retention === false
        ? { stop: () => {}, idle: async () => {} }
        : startRetention(store, logger ? { logger } : {});
    let unrevealed = firstAdmin;
    const signer = new ConfigurationSigner(store, secret, Date.now, probeRunner);
    return {
      config: { ...config, keys },
      parts: {
        keySource,
        // PostgreSQL pays a round trip per statement, not per row: larger batches under load
        // (bench/store-pg.mjs); a quiet node still flushes every second either way.
        auditSink: storeAuditSink(store, {
          ...(logger ? { logger } : {}),
          ...(config.databaseUrl ? { batchSize: 1000 } : {}),
        }),
        adminExtensions: [
          adminExtension(
            store,
            secret,
            config,
            opts.contentStorage ?? (await catalogBucket(config)),
          ),
        ],
        contentExtensions: [
          jwksExtension(store),
          contentManifestExtension({
            store,
            // Only the derived link key and one minting function reach the listener.
            links: {
              key: linkTokenKey(secret),
              signDownload: (configurationId, path, notAfter) =>
                signer.signForManifestLink(configurationId, path, notAfter),
              ...(logger
                ? {
                    onError: (err: unknown) =>
                      logger.warn({ err }, "recording a manifest link's last use failed"),
                  }
                : {}),
            },
          }),
        ],
        // Several nodes on PostgreSQL share resume-grace first use; SQLite's one node keeps its own.
        ...(store.grace ? { graceStore: store.grace } : {}),
      },
      store,
      secret,
      firstAdmin,
      async revealFirstAdmin(consoleUrl) {
        if (!unrevealed) return;
        const banner = firstAdminBanner(unrevealed.username, unrevealed.password, consoleUrl);
        unrevealed = null;
        if (opts.stderr) opts.stderr(banner);
        else
          await revealSecret(
            config.data,
            SECRET_FILES.firstAdmin,
            banner,
            'The one-time admin password',
          );
      },
      async signZeroConfigSample(url) {
        const record = opts.zeroConfig ? await enabledZeroConfigConfiguration(store) : null;
        if (!record) return null;
        return signer.serverMinter('system (zero-config sample)').signUrl({
          configurationId: record.id,
          url,
          path: `/${SAMPLE_NAME}`,
          purpose: 'signed-url',
        });
      },
      async close() {
        retention.stop();
        await retention.idle();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
