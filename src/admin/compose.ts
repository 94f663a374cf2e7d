/**
 * `portcullis serve --data DIR`: composes the store-backed parts into startServer options —
 * store + secret, first admin (one-time password banner on stderr), verification keys from
 * enabled JWT configurations (plus any --key files), the audit sink, the admin API extension,
 * the JWKS content extension and the audit retention job. The serve command calls
 * `composeAdmin` once and spreads `parts` into its ServeOptions.
 */

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { loadPrivateKeyFile } from '../keys/files.js';
import type { ServeConfig } from '../server/config.js';
import { fileKeySource } from '../server/keys.js';
import type { ServeOptions } from '../server/serve.js';
import type { AdminExtension, KeySource } from '../server/types.js';
import { storeAuditSink } from '../store/audit-sink.js';
import { ensureFirstAdmin } from '../store/first-admin.js';
import { storeKeySource } from '../store/key-source.js';
import { startRetention } from '../store/retention.js';
import { loadOrCreateSecret } from '../store/secret.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { adminPlugin } from './app.js';
import { keyColumns } from './configuration-material.js';
import { jwksExtension } from './jwks-extension.js';
import { contentManifestExtension } from './routes/content-device.js';

/** Options of {@link composeAdmin}. */
export interface ComposeOptions {
  /** Private key made by the zero-configuration start, imported as "Default" into an empty store. */
  zeroConfigKeyPath?: string | null;
  env?: NodeJS.ProcessEnv;
  /** Where the one-time password banner goes; default process.stderr. */
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
    describe() {
      return sources.map((s) => s.describe()).join(' + ');
    },
  };
}

/** Imports the zero-config key as configuration "Default" (15m) when the store has none. */
export async function importZeroConfigKey(
  store: Store,
  secret: Uint8Array,
  keyPath: string,
): Promise<boolean> {
  if (!existsSync(keyPath) || (await store.configurations.list()).length > 0) return false;
  const id = randomUUID();
  const columns = await keyColumns(id, 'Default', (await loadPrivateKeyFile(keyPath)).key, secret);
  await store.transaction(async () => {
    if ((await store.configurations.list()).length > 0) return;
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
  });
  return true;
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
      });
    },
  };
}

/**
 * Opens the data directory and builds the store-backed serve parts.
 * @example const composed = await composeAdmin(config, { zeroConfigKeyPath: zero?.privateKeyPath });
 */
export async function composeAdmin(
  config: ServeConfig,
  opts: ComposeOptions = {},
): Promise<ComposedAdmin> {
  const secret = await loadOrCreateSecret(config.data, opts.env ?? process.env);
  const store = openSqliteStore({ dataDir: config.data });
  try {
    const firstAdmin = await ensureFirstAdmin(store);
    if (firstAdmin)
      (opts.stderr ?? ((t) => process.stderr.write(t)))(
        firstAdminBanner(firstAdmin.username, firstAdmin.password),
      );
    let keys = config.keys;
    if (opts.zeroConfigKeyPath) {
      await importZeroConfigKey(store, secret, opts.zeroConfigKeyPath);
      // The store now holds the zero-config key; listing its file too would verify twice under two labels.
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
        auditSink: storeAuditSink(store, logger ? { logger } : {}),
        adminExtensions: [adminExtension(store, secret, config)],
        contentExtensions: [jwksExtension(store), contentManifestExtension({ store })],
      },
      store,
      secret,
      firstAdmin,
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
