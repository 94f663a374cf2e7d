/**
 * `portcullis serve --data DIR`: composes the store-backed parts into startServer options —
 * store + secret, first admin (one-time password: terminal or 0600 file), verification keys from
 * enabled JWT configurations (plus any --key files), the audit sink, the admin API extension,
 * the JWKS content extension and the audit retention job. The serve command calls
 * `composeAdmin` once and spreads `parts` into its ServeOptions.
 */

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { KeySource } from '../contracts/key-source.js';
import { loadPrivateKeyFile } from '../keys/files.js';
import { generateRsaKeyPair } from '../keys/generate.js';
import type { ServeConfig } from '../server/config.js';
import { fileKeySource } from '../server/keys.js';
import { revealSecret, SECRET_FILES } from '../server/secret-notice.js';
import type { ServeOptions } from '../server/serve.js';
import type { AdminExtension } from '../server/types.js';
import { SAMPLE_NAME, type ZeroConfigLayout } from '../server/zero-config.js';
import { storeAuditSink } from '../store/audit-sink.js';
import { ensureFirstAdmin } from '../store/first-admin.js';
import { storeKeySource } from '../store/key-source.js';
import { openStoreWithSecret } from '../store/open.js';
import { startRetention } from '../store/retention.js';
import type { Store } from '../store/types.js';
import { adminPlugin } from './app.js';
import { keyColumns } from './configuration-material.js';
import { ConfigurationSigner, type SignedUrl } from './configuration-signer.js';
import { jwksExtension } from './jwks-extension.js';
import { contentManifestExtension } from './routes/content-device.js';

/** Options of {@link composeAdmin}. */
export interface ComposeOptions {
  /** The zero-configuration layout: its key becomes "Default" once in the store's life. */
  zeroConfig?: ZeroConfigLayout | null;
  env?: NodeJS.ProcessEnv;
  /**
   * Where the one-time password banner goes. Default: stderr when it is a terminal, else a
   * 0600 file in the data directory (src/server/secret-notice.ts).
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
}

/** What the serve command spreads into startServer, plus handles for shutdown and tests. */
export interface ComposedAdmin {
  /** The config to start with (zero-config key file dropped once the store holds it). */
  config: ServeConfig;
  parts: Required<
    Pick<ServeOptions, 'keySource' | 'auditSink' | 'adminExtensions' | 'contentExtensions'>
  >;
  store: Store;
  secret: Uint8Array;
  /** One-time credentials when this start created the first admin, else null. */
  firstAdmin: { username: string; password: string } | null;
  /**
   * Signs the zero-config sample URL with the "Default" configuration, through the one signer
   * (bound to the sample file and recorded like every minted token); null when there is none
   * (not a zero-config store, or "Default" was deleted or disabled since).
   */
  signZeroConfigSample(url: string): Promise<SignedUrl | null>;
  /** Stops the retention job and closes the store (call after the server has closed). */
  close(): Promise<void>;
}

/** Banner with the one-time password, printed once to stderr (never to the JSON log). */
export function firstAdminBanner(username: string, password: string): string {
  const line = '='.repeat(72);
  return `${line}\nPortcullis admin API: first start. A one-time admin account was created.\n  username: ${username}\n  password: ${password}\nSign in (console or POST /api/v1/auth/token) and change it; it is shown only once.\n${line}\n`;
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

/** Setting that records that the zero-config key was imported (JSON: configuration id, time). */
export const ZERO_CONFIG_SETTING = 'zeroConfig.keyImported';

/**
 * The zero-config key, at most once in the life of a store: when the store never had it (no
 * marker setting, no such entry in the change log, no configuration at all), it becomes
 * configuration "Default" (15m) — the key left in plaintext by an older version if present,
 * else a fresh one made in memory — and the marker is written in the same transaction. A
 * "Default" later rotated or deleted therefore never comes back. Any key file left in the data
 * directory by an older version (plaintext private key, stale public key) is deleted in every
 * case: the store holds the key encrypted and the JWKS publishes the live public keys.
 * @returns the id of the configuration this start created, else null
 */
export async function adoptZeroConfigKey(
  store: Store,
  secret: Uint8Array,
  layout: Pick<ZeroConfigLayout, 'legacyPrivateKeyPath' | 'legacyPublicKeyPath'>,
): Promise<string | null> {
  let created: string | null = null;
  if (!(await zeroConfigKeyImported(store))) {
    const legacy = existsSync(layout.legacyPrivateKeyPath);
    const key = legacy
      ? (await loadPrivateKeyFile(layout.legacyPrivateKeyPath)).key
      : (await generateRsaKeyPair(2048)).privateKey;
    const id = randomUUID();
    const columns = await keyColumns(id, 'Default', key, secret);
    created = await store.transaction(async () => {
      if ((await store.settings.get(ZERO_CONFIG_SETTING)) !== undefined) return null;
      const marker = JSON.stringify({ configurationId: id, at: new Date().toISOString() });
      await store.settings.set(ZERO_CONFIG_SETTING, marker);
      // A store set up by hand before its first zero-config start keeps what it has.
      if ((await store.configurations.list()).length > 0) return null;
      await store.configurations.create({
        id,
        displayName: 'Default',
        ...columns,
        tokenExpirySeconds: 900,
        enabled: true,
        createdBy: 'system',
      });
      await store.changes.record({
        actor: 'system',
        action: 'configuration.create',
        targetType: 'configuration',
        targetId: id,
        details: {
          displayName: 'Default',
          keySource: 'zero-config',
          fingerprint: columns.fingerprint,
        },
      });
      return id;
    });
  }
  // No key file is offered: the public key file older versions wrote went stale on rotation
  // (a front server fed it kept accepting rotated-away tokens); the JWKS and the API are live.
  for (const file of [layout.legacyPrivateKeyPath, layout.legacyPublicKeyPath]) {
    await unlink(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  return created;
}

/** True when this store imported the zero-config key before (marker, or a pre-marker change log entry). */
async function zeroConfigKeyImported(store: Store): Promise<boolean> {
  if ((await store.settings.get(ZERO_CONFIG_SETTING)) !== undefined) return true;
  // Stores from before the marker: the import left a change-log entry (unless purged).
  const page = await store.changes.query({
    actor: 'system',
    action: 'configuration.create',
    limit: 1000,
  });
  return page.items.some((c) => c.details.keySource === 'zero-config');
}

/** The zero-config configuration's id from the marker, if any. */
async function zeroConfigConfigurationId(store: Store): Promise<string | null> {
  const raw = await store.settings.get(ZERO_CONFIG_SETTING);
  if (raw === undefined) return null;
  try {
    const id = (JSON.parse(raw) as { configurationId?: unknown }).configurationId;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

function adminExtension(store: Store, secret: Uint8Array, config: ServeConfig): AdminExtension {
  return {
    async register(app, ctx) {
      await app.register(adminPlugin, {
        store,
        secret,
        publicUrl: ctx.publicUrl,
        contentRoot: ctx.config.root ?? config.root ?? '',
        onKeysChanged: () => ctx.keys.reload(),
        // External JWKS failures and refusal reasons go to the serve log, never to the caller.
        jwks: { logger: ctx.logger },
      });
    },
  };
}

/**
 * Opens the store (SQLite in the data directory, or PostgreSQL with `databaseUrl`) and builds
 * the store-backed serve parts.
 * @example const composed = await composeAdmin(config, { zeroConfig: zero });
 */
export async function composeAdmin(
  config: ServeConfig,
  opts: ComposeOptions = {},
): Promise<ComposedAdmin> {
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
    if (firstAdmin) {
      const banner = firstAdminBanner(firstAdmin.username, firstAdmin.password);
      if (opts.stderr) opts.stderr(banner);
      else
        await revealSecret(
          config.data,
          SECRET_FILES.firstAdmin,
          banner,
          'The one-time admin password',
        );
    }
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
        adminExtensions: [adminExtension(store, secret, config)],
        contentExtensions: [jwksExtension(store), contentManifestExtension({ store })],
      },
      store,
      secret,
      firstAdmin,
      async signZeroConfigSample(url) {
        const id = opts.zeroConfig ? await zeroConfigConfigurationId(store) : null;
        const record = id ? await store.configurations.get(id) : undefined;
        if (!record?.enabled) return null;
        return new ConfigurationSigner(store, secret, Date.now)
          .serverMinter('system (zero-config sample)')
          .signUrl({
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
