/**
 * Key loading for the content listener: a KeySource for key files (watched for changes) and a
 * KeyManager that swaps the verifier's key ring atomically. A broken new key set never replaces
 * a working one: the old ring keeps serving and the reason is logged.
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { KeySource } from '../contracts/key-source.js';
import { loadVerificationKeys } from '../keys/files.js';
import { KeyRing, type VerificationKey } from '../token/key-ring.js';
import { createNodeVerifier } from '../token/node.js';
import type { VerifyOptions } from '../token/policy.js';
import type { TokenVerifier } from '../token/verify.js';
import type { ServeConfig } from './config.js';
import { ServeError } from './errors.js';

/**
 * Keys from files (any public or private form; JWKS files give several keys).
 * `watch` follows the directories so that editors' rename-into-place is seen.
 */
export function fileKeySource(paths: string[]): KeySource {
  const files = paths.map((p) => resolve(p));
  return {
    async load(): Promise<VerificationKey[]> {
      const lists = await Promise.all(
        // Messages name each file as configured, never the absolute path resolved here.
        files.map(async (file, i) =>
          (await loadVerificationKeys(file, { displayName: paths[i] ?? basename(file) })).map(
            (k) => ({
              ...k,
              label: k.label ?? basename(file),
            }),
          ),
        ),
      );
      return lists.flat();
    },
    watch(onChange: () => void): () => void {
      const watchers: FSWatcher[] = [];
      for (const dir of new Set(files.map((f) => dirname(f)))) {
        const names = new Set(files.filter((f) => dirname(f) === dir).map((f) => basename(f)));
        try {
          const w = watch(dir, { persistent: false }, (_event, name) => {
            if (name === null || names.has(String(name))) onChange();
          });
          w.on('error', () => {});
          watchers.push(w);
        } catch {
          // A directory that cannot be watched still reloads on SIGHUP.
        }
      }
      return () => {
        for (const w of watchers) w.close();
      };
    },
    describe(): string {
      return `${files.length} key file${files.length === 1 ? '' : 's'}`;
    },
  };
}

/** Owns the key ring and verifier of one process and keeps them in step with a KeySource. */
export class KeyManager {
  readonly ring = new KeyRing();
  readonly verifier: TokenVerifier;
  #loaded = false;
  #unwatch: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    readonly source: KeySource,
    options: VerifyOptions & { cache?: { maxEntries?: number } | false },
    private readonly logger: Logger,
    private readonly debounceMs = 250,
  ) {
    this.verifier = createNodeVerifier(this.ring, options);
  }

  /** True once a key set has been loaded. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** Loads keys and swaps them in; on failure the old ring stays and the error is rethrown. */
  async reload(): Promise<void> {
    let keys: VerificationKey[];
    try {
      keys = await this.source.load();
    } catch (err) {
      this.logger.warn(
        {
          code: (err as { code?: string }).code,
          err: String((err as Error).message ?? err),
          keys: this.source.describe(),
        },
        this.#loaded ? 'key reload failed; the previous keys stay in use' : 'key loading failed',
      );
      throw err;
    }
    this.ring.replace(keys);
    this.#loaded = true;
    if (keys.length === 0)
      this.logger.warn(
        { keys: this.source.describe() },
        'no verification keys: every token will be refused',
      );
    else
      this.logger.info(
        { keys: this.source.describe(), count: keys.length },
        'verification keys loaded',
      );
  }

  /** Starts following the source's change notifications (debounced). */
  watch(): void {
    if (this.#unwatch || !this.source.watch) return;
    this.#unwatch = this.source.watch(() => this.scheduleReload());
  }

  /** Debounced reload that only logs failures (used by watchers and SIGHUP). */
  scheduleReload(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.reload().catch(() => {});
    }, this.debounceMs);
    this.#timer.unref();
  }

  /** Stops watching. */
  stop(): void {
    this.#unwatch?.();
    this.#unwatch = null;
    if (this.#timer) clearTimeout(this.#timer);
  }
}

/** The key source to use: an explicit one (store, tests), else the configured key files. */
export function keySourceOf(explicit: KeySource | undefined, config: ServeConfig): KeySource {
  if (explicit) return explicit;
  if (config.keys.length > 0) return fileKeySource(config.keys);
  throw new ServeError(
    'NO_KEYS',
    'portcullis: invalid setting "keys": give at least one --key file (the public key of your Jamf Pro JWT configuration), or give --data DIR to take the keys from the JWT configurations kept in that data directory',
  );
}
