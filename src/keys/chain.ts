/**
 * Certificate chains pasted as one bundle (leaf, intermediate, root). Only end-entity keys may
 * verify tokens: a CA's key appearing next to the certificate it issued must not silently become
 * a token-signing key, so certificates that issued another certificate in the same input are
 * dropped. Unrelated certificates (several self-signed ones) are all kept.
 */
import { X509Certificate } from 'node:crypto';
import type { PemBlock } from './pem.js';

/** The CERTIFICATE blocks in `blocks` that issued (and signed) another certificate among them. */
export function issuerCertificates(blocks: readonly PemBlock[]): Set<PemBlock> {
  const certs: Array<{ block: PemBlock; cert: X509Certificate }> = [];
  for (const block of blocks) {
    if (block.label !== 'CERTIFICATE') continue;
    try {
      certs.push({ block, cert: new X509Certificate(block.der) });
    } catch {
      // damaged certificates are reported by the normal reading path
    }
  }
  const issuers = new Set<PemBlock>();
  for (const child of certs) {
    for (const parent of certs) {
      if (parent === child || parent.cert.fingerprint256 === child.cert.fingerprint256) continue;
      if (child.cert.checkIssued(parent.cert) && child.cert.verify(parent.cert.publicKey)) {
        issuers.add(parent.block);
      }
    }
  }
  return issuers;
}
