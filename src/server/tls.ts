/**
 * TLS material for the content listener, reloaded without a restart when the certificate, key,
 * client CA or CRL file changes (certbot/ACME renewals, CRL publication): the listener
 * (tls-reload.ts) validates the new set first, and a broken set leaves the old one serving.
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { readRegularFileSync } from '../keys/files.js';
import { ServeError } from './errors.js';

/** Largest TLS certificate chain or key file read (a chain of a few certificates is a few KiB). */
const MAX_TLS_FILE_BYTES = 1024 * 1024;

/** Reads and validates a PEM certificate chain and key. */
export function readTlsPair(certFile: string, keyFile: string): SecureContextOptions {
  let pair: SecureContextOptions;
  try {
    pair = {
      cert: readRegularFileSync(certFile, MAX_TLS_FILE_BYTES),
      key: readRegularFileSync(keyFile, MAX_TLS_FILE_BYTES),
    };
  } catch (cause) {
    // "not a regular file (a FIFO, device or directory)", "larger than its size limit", …
    throw new ServeError(
      'CONFIG_INVALID',
      `portcullis: invalid setting "tlsCert": cannot read the certificate or key file: ${(cause as Error).message}`,
      { cause },
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

/**
 * Watches `files` (their directories, so a rename into place is seen) and calls `onChange` once
 * per burst of changes, after `debounceMs`. Returns a stop function.
 */
export function watchFiles(
  files: readonly string[],
  onChange: () => unknown,
  debounceMs = 250,
): () => void {
  let timer: NodeJS.Timeout | null = null;
  const changed = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      onChange();
    }, debounceMs);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  const names = new Set(files.map((f) => basename(f)));
  for (const dir of new Set(files.map((f) => dirname(f)))) {
    try {
      const w = watch(dir, { persistent: false }, (_e, name) => {
        if (name === null || names.has(String(name))) changed();
      });
      w.on('error', () => {});
      watchers.push(w);
    } catch {
      // not watchable: a restart or SIGHUP picks up new files
    }
  }
  return () => {
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
