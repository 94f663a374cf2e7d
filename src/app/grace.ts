/**
 * Which resume-grace memory a process holds: none when grace is off, the shared one when the
 * store offers `GraceStore` (several nodes on PostgreSQL), else this process's own. In a cluster
 * the primary holds it and workers ask over IPC, so one node still has one memory.
 */
import type { Logger } from 'pino';
import type { GraceStore } from '../contracts/grace-store.js';
import type { ServeConfig } from '../server/config.js';
import { LocalGraceMemory } from '../server/grace.js';
import { SharedGraceMemory } from '../server/shared-grace.js';

/** A failing database is logged at most this often (every download could otherwise say it). */
const WARN_EVERY_MS = 60_000;

/** The grace memory for `config`, backed by `store` when there is one. */
export function graceMemoryFor(
  config: ServeConfig,
  store: GraceStore | undefined,
  logger: Logger,
  clock?: () => number,
): LocalGraceMemory | SharedGraceMemory | null {
  if (config.resumeGrace <= 0) return null;
  if (!store) return new LocalGraceMemory(config.resumeGraceEntries);
  let warnedAt = 0;
  return new SharedGraceMemory({
    store,
    maxEntries: config.resumeGraceEntries,
    graceSeconds: config.resumeGrace,
    ...(clock ? { clock } : {}),
    onError: (err) => {
      const now = Date.now();
      if (now - warnedAt < WARN_EVERY_MS) return;
      warnedAt = now;
      const code = (err as { code?: unknown } | null)?.code;
      logger.warn(
        { code: typeof code === 'string' ? code : 'STORE_UNAVAILABLE' },
        'resume grace: the shared store cannot be reached; grace uses this node only',
      );
    },
  });
}
