/**
 * TLS material for the content listener, reloaded without a restart when the certificate or
 * key file changes (certbot/ACME renewals): the new pair is validated first, and a broken pair
 * leaves the old one serving.
 */
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import { ServeError } from './errors.js';

/** Reads and validates a PEM certificate chain and key. */
export function readTlsPair(certFile: string, keyFile: string): SecureContextOptions {
  let pair: SecureContextOptions;
  try {
    pair = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  } catch {
    throw new ServeError(
      'CONFIG_INVALID',
      'portcullis: invalid setting "tlsCert": cannot read the certificate or key file',
    );
  }
  try {
    createSecureContext(pair); // throws on mismatched or malformed PEM
  } catch {
    throw new ServeError(
      'CONFIG_INVALID',
      'portcullis: invalid setting "tlsCert": the certificate and key do not form a valid pair',
    );
  }
  return pair;
}

/** Watches the TLS files and calls `apply` with each new valid pair (debounced). Returns a stop function. */
export function watchTlsPair(
  certFile: string,
  keyFile: string,
  apply: (pair: SecureContextOptions) => void,
  logger: Logger,
  debounceMs = 250,
): () => void {
  let timer: NodeJS.Timeout | null = null;
  const reload = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      try {
        apply(readTlsPair(certFile, keyFile));
        logger.info('TLS certificate reloaded');
      } catch (err) {
        logger.warn(
          { code: (err as ServeError).code },
          'TLS reload failed; the previous certificate stays in use',
        );
      }
    }, debounceMs);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  const names = new Set([basename(certFile), basename(keyFile)]);
  for (const dir of new Set([dirname(certFile), dirname(keyFile)])) {
    try {
      const w = watch(dir, { persistent: false }, (_e, name) => {
        if (name === null || names.has(String(name))) reload();
      });
      w.on('error', () => {});
      watchers.push(w);
    } catch {
      // not watchable: a restart picks up new files
    }
  }
  return () => {
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
