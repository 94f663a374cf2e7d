/**
 * Catalog settings read from the store, and the rescans of the content root: one at a time, at
 * start (onReady), every interval, and on demand.
 */
import type { FastifyInstance } from 'fastify';
import type { ContentLibrary } from '../../catalog/library.js';
import type { Store } from '../../store/types.js';

/** A non-negative number setting, or undefined when unset or not a number. */
export async function numberSetting(store: Store, key: string): Promise<number | undefined> {
  const raw = await store.settings.get(key);
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Runs one rescan at a time: at start (onReady), every `intervalMs`, and on demand. */
export function scheduleRescans(app: FastifyInstance, library: ContentLibrary, intervalMs: number) {
  let running: ReturnType<ContentLibrary['rescan']> | null = null;
  const rescan = () => {
    running ??= library.rescan().finally(() => {
      running = null;
    });
    return running;
  };
  const background = () => {
    rescan().catch((err) =>
      app.log.warn({ code: (err as { code?: string }).code }, 'content rescan failed'),
    );
  };
  let timer: NodeJS.Timeout | null = null;
  app.addHook('onReady', async () => {
    background();
    if (intervalMs > 0) {
      timer = setInterval(background, intervalMs);
      timer.unref();
    }
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    await running?.catch(() => {});
  });
  return rescan;
}
