/**
 * The same key in two JWT configurations is allowed (staging a rotation may need it for a
 * while) but never silent: the create and rotate answers carry a KEY_ALREADY_CONFIGURED warning
 * naming the other configurations, and the log says so too.
 */
import type { FastifyRequest } from 'fastify';
import type { Store } from '../store/types.js';
import { ADMIN_WARNINGS } from './errors.js';

/** A warning in an admin API answer. */
export interface AdminWarning {
  code: keyof typeof ADMIN_WARNINGS;
  message: string;
  /** The other configurations with the same key. */
  configurations: Array<{ id: string; displayName: string }>;
}

/**
 * Warnings for configuration `id` now holding the key with `fingerprint`: one entry when other
 * configurations hold the same key, else none. Logs the finding (ids and fingerprint only).
 */
export async function duplicateKeyWarnings(
  store: Store,
  request: FastifyRequest,
  id: string,
  fingerprint: string,
): Promise<{ warnings?: AdminWarning[] }> {
  const others = (await store.configurations.list()).filter(
    (c) => c.id !== id && c.fingerprint === fingerprint,
  );
  if (others.length === 0) return {};
  request.log.warn(
    { configurationId: id, fingerprint, sameKeyAs: others.map((c) => c.id) },
    'another JWT configuration already uses this key',
  );
  return {
    warnings: [
      {
        code: 'KEY_ALREADY_CONFIGURED',
        message: ADMIN_WARNINGS.KEY_ALREADY_CONFIGURED,
        configurations: others.map((c) => ({ id: c.id, displayName: c.displayName })),
      },
    ],
  };
}
