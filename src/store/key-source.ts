/**
 * A KeySource over the store's JWT configurations: the public keys of enabled configurations,
 * each carrying its configuration id (as `configurationId`, and as the label people see). `watch` polls `configurations.generation()` — one tiny
 * query — so enabling, disabling or rotating in the console (or another process) takes effect
 * within one poll interval without restarting serve; a store that pushes changes (PostgreSQL's
 * LISTEN/NOTIFY, `Store.onChange`) makes it take effect at once, the poll staying as resync. While the store cannot be reached, the
 * server keeps its last key ring and `degraded()` says so (fail static) — also when it stops
 * answering without closing the connection: a poll that gets no answer within its deadline marks
 * the source degraded, and only one poll query is ever out at a time, so a silent database does
 * not collect a growing pile of them and the first answer after it (old or new) ends the state.
 */
import { createPublicKey } from 'node:crypto';
import type { KeySource } from '../contracts/key-source.js';
import type { VerificationKey } from '../contracts/verification-key.js';
import { withinDeadline } from '../errors/deadline.js';
import type { SinkLogger } from './audit-sink.js';
import { StoreError } from './errors.js';
import type { Store } from './types.js';

/** Options for `storeKeySource`. */
export interface StoreKeySourceOptions {
  /** Poll interval of `watch`. Default 1000 ms. */
  pollMs?: number;
  /** How long a poll waits for the store before `degraded()` says so. Default 5000 ms. */
  pollDeadlineMs?: number;
  logger?: SinkLogger;
}

/**
 * Creates the store-backed KeySource.
 * @example const keys = storeKeySource(store); const ring = new KeyRing(await keys.load());
 */
export function storeKeySource(store: Store, opts: StoreKeySourceOptions = {}): KeySource {
  const pollMs = opts.pollMs ?? 1000;
  const pollDeadlineMs = opts.pollDeadlineMs ?? 5000;
  // The generation the last load saw: a change between load() and the first poll still fires.
  let loaded: number | undefined;
  // Whether the last round trip to the store failed (see KeySource.degraded).
  let degraded = false;
  const reached = <T>(p: Promise<T>): Promise<T> =>
    p.then(
      (v) => {
        degraded = false;
        return v;
      },
      (err: unknown) => {
        degraded = true;
        throw err;
      },
    );
  return {
    async load(): Promise<VerificationKey[]> {
      const generation = await reached(store.configurations.generation());
      const keys: VerificationKey[] = [];
      for (const c of await store.configurations.list()) {
        if (!c.enabled) continue;
        try {
          keys.push({
            kid: c.kid,
            alg: 'RS256',
            key: createPublicKey(c.publicKeyPem),
            label: c.id,
            configurationId: c.id,
          });
        } catch (err) {
          // Skip (fail closed for this key only): one damaged record must not freeze the ring,
          // or disabling a compromised configuration could never take effect.
          opts.logger?.warn({ err, configurationId: c.id }, 'configuration public key unreadable');
        }
      }
      loaded = generation;
      return keys;
    },
    watch(onChange: () => void): () => void {
      let last = loaded;
      let busy = false;
      // A notification during a poll may follow a commit the poll did not see: poll again after.
      let again = false;
      // The poll query still out, if any: a later tick waits on it rather than adding another.
      let asked: Promise<number> | null = null;
      const tick = async (): Promise<void> => {
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        again = false;
        try {
          asked ??= reached(store.configurations.generation()).finally(() => {
            asked = null;
          });
          const g = await withinDeadline(asked, pollDeadlineMs, () => {
            degraded = true;
            return new StoreError(
              'STORE_UNAVAILABLE',
              `The store did not answer within ${pollDeadlineMs / 1000} s.`,
            );
          });
          if (last !== undefined && g !== last) onChange();
          last = g;
        } catch (err) {
          opts.logger?.warn({ err }, 'key source poll failed');
        } finally {
          busy = false;
        }
        if (again) void tick();
      };
      void tick();
      const timer = setInterval(() => void tick(), pollMs);
      timer.unref();
      // A shared store (PostgreSQL) says when another node changed something; the poll stays as
      // the full resync for notifications lost while its channel was down.
      const unsubscribe = store.onChange?.((topic) => {
        if (topic === 'configurations' || topic === 'resync') void tick();
      });
      return () => {
        clearInterval(timer);
        unsubscribe?.();
      };
    },
    degraded: () => degraded,
    describe: () => 'store configurations',
  };
}
