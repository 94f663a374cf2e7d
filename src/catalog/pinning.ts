/**
 * The certificates an InstallEnterpriseApplication command pins (`ManifestURLPinningCerts`):
 * the DER of every certificate in the PEM chain devices meet when they fetch the manifest — the
 * content listener's own `--tls-cert`, or the file the admin names with `--pinning-certs` when
 * TLS ends at a front server (IIS, nginx, a load balancer). Read per command, so a renewed
 * certificate is pinned from the next command on.
 */
import { X509Certificate } from 'node:crypto';
import { readRegularFileSync } from '../keys/files.js';
import { findPemBlocks } from '../keys/pem.js';
import { CatalogError } from './errors.js';

/** Most certificates a pinning chain may hold (a leaf, intermediates, a root, a spare). */
export const MAX_PINNING_CERTS = 8;
/** Largest pinning file read (a chain of 8 certificates is far below this). */
const MAX_PINNING_FILE_BYTES = 256 * 1024;

/**
 * The DER of each CERTIFICATE block in `pem`, in file order.
 * @throws CatalogError PINNING_CERTS_INVALID when there is none, one does not parse, or too many
 * @example pinningCertsFromPem(readFileSync('chain.pem', 'utf8'))
 */
export function pinningCertsFromPem(pem: string): Uint8Array[] {
  let blocks: ReturnType<typeof findPemBlocks>;
  try {
    blocks = findPemBlocks(pem);
  } catch {
    throw new CatalogError('PINNING_CERTS_INVALID');
  }
  // Only certificates: a combined key + chain file never puts its key into a command.
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => b.der);
  if (certs.length === 0 || certs.length > MAX_PINNING_CERTS)
    throw new CatalogError('PINNING_CERTS_INVALID');
  for (const der of certs) {
    try {
      new X509Certificate(der);
    } catch {
      throw new CatalogError('PINNING_CERTS_INVALID');
    }
  }
  return certs.map((der) => new Uint8Array(der));
}

/**
 * Reads the pinning chain from `file` (undefined: none configured).
 * @throws CatalogError PINNING_CERTS_UNAVAILABLE without a file; PINNING_CERTS_INVALID when it
 *   cannot be read or holds no usable certificate (the message never names the path)
 */
export async function readPinningCerts(file: string | undefined): Promise<Uint8Array[]> {
  if (!file) throw new CatalogError('PINNING_CERTS_UNAVAILABLE');
  let text: string;
  try {
    // O_NONBLOCK, regular files only, bounded: a FIFO or /dev/zero never hangs the start.
    text = readRegularFileSync(file, MAX_PINNING_FILE_BYTES).toString('utf8');
  } catch {
    throw new CatalogError('PINNING_CERTS_INVALID');
  }
  return pinningCertsFromPem(text);
}
