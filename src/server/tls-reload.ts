/**
 * The content listener's TLS material as one set — certificate, key, client CA bundle and CRLs —
 * read and validated together, and reloaded on SIGHUP and when any of its files changes: the new
 * set is validated first, and a broken set leaves the old one serving.
 */
import { constants as cryptoConstants } from 'node:crypto';
import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import { type ClientAuthMaterial, readClientAuth } from './client-cert.js';
import type { ServeConfig } from './config.js';
import type { ServeError } from './errors.js';
import { readTlsPair, watchFiles } from './tls.js';

/** The TLS material of the content listener: its certificate and key, and client-auth settings. */
export function readTlsOptions(config: ServeConfig): {
  options: SecureContextOptions;
  clientAuth: ClientAuthMaterial | null;
} {
  const pair = readTlsPair(config.tlsCert!, config.tlsKey!);
  if (config.clientCa === null) return { options: pair, clientAuth: null };
  const clientAuth = readClientAuth(config.clientCa, config.clientCrl);
  const crl = clientAuth.crl.length > 0 ? { crl: clientAuth.crl } : {};
  return { options: { ...pair, ca: clientAuth.ca, ...crl }, clientAuth };
}

/** Warns about CRLs past their nextUpdate: devices of those CAs are refused until a new one. */
export function warnStale(clientAuth: ClientAuthMaterial | null, logger: Logger): void {
  for (const crl of clientAuth?.stale ?? []) {
    logger.warn(
      { issuer: crl.issuer, nextUpdate: crl.nextUpdate?.toISOString() },
      'client CRL is past its nextUpdate: certificates of this CA are refused (CLIENT_CERT_REVOCATION_UNKNOWN) until a current CRL is installed',
    );
  }
}

/**
 * Reloads the listener's TLS material on demand and when its files change (debounced): the new
 * set is validated first, and a broken set leaves the old one serving.
 */
export function tlsReloader(
  config: ServeConfig,
  server: Server,
  onClientAuth: (material: ClientAuthMaterial) => void,
  logger: Logger,
): { reload: () => Promise<void>; stop: () => void } {
  if (!config.tlsCert) return { reload: async () => {}, stop: () => {} };
  const apply = () => {
    const next = readTlsOptions(config);
    // SSL_OP_NO_TICKET is a context option: it has to be given again with the new context.
    const secureOptions =
      config.clientCa === null ? {} : { secureOptions: cryptoConstants.SSL_OP_NO_TICKET };
    (server as HttpsServer).setSecureContext({ ...next.options, ...secureOptions });
    if (next.clientAuth !== null) onClientAuth(next.clientAuth);
    warnStale(next.clientAuth, logger);
  };
  const reload = async () => {
    try {
      apply();
    } catch (err) {
      logger.warn(
        { code: (err as ServeError).code },
        'TLS reload failed; the previous certificate stays in use',
      );
      throw err;
    }
    logger.info('TLS certificate reloaded');
  };
  const files = [config.tlsCert, config.tlsKey!, config.clientCa, config.clientCrl].filter(
    (f): f is string => f !== null,
  );
  const stop = watchFiles(files, () => reload().catch(() => {}), config.keyWatchDebounceMs);
  return { reload, stop };
}
