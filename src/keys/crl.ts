/**
 * Certificate revocation lists (RFC 5280 §5) for TLS client-certificate checks: read PEM or DER,
 * check each list's signature against the CA certificate that issued it, and index the revoked
 * serial numbers by issuer. Parsing is @peculiar/asn1-x509's, signatures are node:crypto's; the
 * TLS handshake (OpenSSL) checks the same lists again, this index serves the per-request check.
 */
import { Buffer } from 'node:buffer';
import { verify as verifySignature, type X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, CertificateList } from '@peculiar/asn1-x509';
import { KeyError } from './errors.js';
import { findPemBlocks, hasPemArmor, toPem } from './pem.js';

/** One CRL whose signature verified against a CA. */
export interface VerifiedCrl {
  /** DER of the issuer Name, hex: the key leaf certificates are looked up by. */
  issuerKey: string;
  /** The issuing CA's subject as Node prints it (for log lines). */
  issuer: string;
  thisUpdate: Date;
  /** Absent when the CA publishes no next update (then the list never goes stale). */
  nextUpdate: Date | undefined;
  /** Revoked serial numbers, canonical hex (upper case, no leading zeros). */
  revoked: ReadonlySet<string>;
  /** The list as PEM, for the TLS context. */
  pem: string;
}

/** Signature algorithms a CRL may use → the digest node:crypto verifies with. */
const SIGNATURE_DIGESTS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.11': 'sha256', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

/** Most lists one file may hold (each CA in a chain publishes one). */
const MAX_CRLS = 100;

/** Hex of a serial number as its canonical upper-case, no-leading-zero form. */
export function canonicalSerial(hex: string): string {
  const s = hex.toUpperCase().replace(/^0+/, '');
  return s === '' ? '0' : s;
}

/** DER of a certificate's issuer Name, hex (the same key {@link VerifiedCrl.issuerKey} uses). */
export function issuerKeyOf(certificateDer: Uint8Array): string {
  const cert = AsnConvert.parse(certificateDer, Certificate);
  return Buffer.from(AsnConvert.serialize(cert.tbsCertificate.issuer)).toString('hex');
}

/**
 * Reads every CRL in `bytes` (PEM blocks labelled X509 CRL, or one DER list) and checks each
 * one's signature against the CA in `cas` that issued it.
 * @throws KeyError CRL_UNREADABLE when a list cannot be parsed, names no CA in `cas`, is not
 *   signed by it, or uses an unsupported signature algorithm.
 * @example const crls = readVerifiedCrls(readFileSync('ca.crl'), cas)
 */
export function readVerifiedCrls(
  bytes: Buffer,
  cas: readonly X509Certificate[],
  name = 'CRL file',
): VerifiedCrl[] {
  const ders = hasPemArmor(bytes.toString('latin1'))
    ? findPemBlocks(bytes.toString('latin1'))
        .filter((b) => b.label === 'X509 CRL')
        .map((b) => b.der)
    : [bytes];
  if (ders.length === 0) throw new KeyError('CRL_UNREADABLE', `${name}: no X509 CRL block`);
  if (ders.length > MAX_CRLS) {
    throw new KeyError('CRL_UNREADABLE', `${name}: more than ${MAX_CRLS} lists`);
  }
  return ders.map((der, i) => verifyOne(der, cas, `${name} (list ${i + 1})`));
}

function verifyOne(der: Buffer, cas: readonly X509Certificate[], name: string): VerifiedCrl {
  let crl: CertificateList;
  try {
    crl = AsnConvert.parse(der, CertificateList);
  } catch {
    throw new KeyError('CRL_UNREADABLE', `${name}: not a CRL`);
  }
  const tbs = crl.tbsCertList;
  const digest = SIGNATURE_DIGESTS[crl.signatureAlgorithm.algorithm];
  if (digest === undefined || tbs.signature.algorithm !== crl.signatureAlgorithm.algorithm) {
    throw new KeyError('CRL_UNREADABLE', `${name}: unsupported signature algorithm`);
  }
  const issuerKey = Buffer.from(AsnConvert.serialize(tbs.issuer)).toString('hex');
  // The signed bytes exactly as they arrived (a re-encoding could differ from what was signed).
  const signed = Buffer.from(crl.tbsCertListRaw ?? AsnConvert.serialize(tbs));
  const signature = Buffer.from(crl.signature);
  const issuerCa = cas.find(
    (ca) =>
      issuerKeyOfSubject(ca) === issuerKey &&
      verifySignature(digest, signed, ca.publicKey, signature),
  );
  if (issuerCa === undefined) {
    throw new KeyError('CRL_UNREADABLE', `${name}: not signed by a CA in the bundle`);
  }
  const revoked = new Set<string>();
  for (const entry of tbs.revokedCertificates ?? []) {
    revoked.add(canonicalSerial(Buffer.from(entry.userCertificate).toString('hex')));
  }
  return {
    issuerKey,
    issuer: issuerCa.subject.split('\n').join(', '),
    thisUpdate: tbs.thisUpdate.getTime(),
    nextUpdate: tbs.nextUpdate?.getTime(),
    revoked,
    pem: toPem('X509 CRL', der),
  };
}

/** DER of a CA certificate's subject Name, hex. */
function issuerKeyOfSubject(ca: X509Certificate): string {
  const cert = AsnConvert.parse(ca.raw, Certificate);
  return Buffer.from(AsnConvert.serialize(cert.tbsCertificate.subject)).toString('hex');
}
