/**
 * Certificate revocation lists (RFC 5280 §5) for TLS client-certificate checks: read PEM or DER,
 * check each list's signature against the CA certificate that issued it, and index the revoked
 * serial numbers by issuer. Parsing is @peculiar/asn1-x509's, signatures are node:crypto's; the
 * TLS handshake (OpenSSL) checks the same lists again, this index serves the per-request check.
 */
import { Buffer } from 'node:buffer';
import { verify as verifySignature, type X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, Name, Time } from '@peculiar/asn1-x509';
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
 * Largest CRL file read (PEM or DER): 64 MiB holds about a million revoked serials with reason
 * codes, more than any device CA publishes; a larger file is refused with CRL_TOO_LARGE.
 */
export const MAX_CRL_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Reads every CRL in `bytes` (PEM blocks labelled X509 CRL, or one DER list) and checks each
 * one's signature against the CA in `cas` that issued it.
 *
 * Only the small fields (algorithm, issuer, dates) go through @peculiar/asn1-x509: its parser
 * refuses a document of more than a few thousand ASN.1 nodes, and a device CA's list has tens of
 * thousands of entries. The signature is checked over the TBS bytes first; then the revoked
 * serials are read by a bounded DER walk (serials only, every length checked against its parent).
 * @throws KeyError CRL_TOO_LARGE over {@link MAX_CRL_FILE_BYTES}; CRL_SIGNATURE_INVALID when no CA
 *   in `cas` with the list's issuer name signed it; CRL_UNREADABLE when a list cannot be parsed or
 *   uses an unsupported signature algorithm.
 * @example const crls = readVerifiedCrls(readFileSync('ca.crl'), cas)
 */
export function readVerifiedCrls(
  bytes: Buffer,
  cas: readonly X509Certificate[],
  name = 'CRL file',
): VerifiedCrl[] {
  if (bytes.length > MAX_CRL_FILE_BYTES) {
    throw new KeyError('CRL_TOO_LARGE', `${name}: larger than ${MAX_CRL_FILE_BYTES} bytes`);
  }
  const ders = hasPemArmor(bytes.toString('latin1'))
    ? findPemBlocks(bytes.toString('latin1'))
        .filter((b) => b.label === 'X509 CRL')
        .map((b) => b.der)
    : [bytes];
  if (ders.length === 0) throw new KeyError('CRL_UNREADABLE', `${name}: no X509 CRL block`);
  if (ders.length > MAX_CRLS) {
    throw new KeyError('CRL_UNREADABLE', `${name}: more than ${MAX_CRLS} lists`);
  }
  const subjects = cas.map((ca) => issuerKeyOfSubject(ca));
  return ders.map((der, i) => verifyOne(der, cas, subjects, `${name} (list ${i + 1})`));
}

/** One DER element: its tag, and where its contents start and end in the buffer. */
interface Tlv {
  tag: number;
  start: number;
  /** Contents start. */
  body: number;
  end: number;
}

/** Reads the element at `at` inside `[at, limit)`; null when it is malformed or overruns. */
function tlv(der: Uint8Array, at: number, limit: number): Tlv | null {
  if (at + 2 > limit) return null;
  const tag = der[at]!;
  if ((tag & 0x1f) === 0x1f) return null; // multi-byte tags: none in a CRL
  let len = der[at + 1]!;
  let body = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || body + n > limit) return null; // indefinite length is not DER
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[body + i]!;
    body += n;
  }
  const end = body + len;
  return end > limit ? null : { tag, start: at, body, end };
}

/** The elements directly inside `parent`; null when one is malformed. */
function children(der: Uint8Array, parent: Tlv): Tlv[] | null {
  const out: Tlv[] = [];
  for (let at = parent.body; at < parent.end; ) {
    const t = tlv(der, at, parent.end);
    if (t === null) return null;
    out.push(t);
    at = t.end;
  }
  return out;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;

function verifyOne(
  der: Buffer,
  cas: readonly X509Certificate[],
  subjects: readonly string[],
  name: string,
): VerifiedCrl {
  const notACrl = () => new KeyError('CRL_UNREADABLE', `${name}: not a CRL`);
  // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
  const outer = tlv(der, 0, der.length);
  const parts = outer?.tag === SEQUENCE ? children(der, outer) : null;
  if (parts === null || parts.length !== 3) throw notACrl();
  const [tbs, alg, sig] = parts as [Tlv, Tlv, Tlv];
  if (tbs.tag !== SEQUENCE || alg.tag !== SEQUENCE || sig.tag !== BIT_STRING) throw notACrl();
  if (sig.end - sig.body < 2 || der[sig.body] !== 0) throw notACrl();
  // TBSCertList ::= SEQUENCE { version INTEGER OPTIONAL, signature, issuer, thisUpdate,
  //   nextUpdate Time OPTIONAL, revokedCertificates SEQUENCE OF ... OPTIONAL, [0] extensions }
  const fields = children(der, tbs);
  if (fields === null) throw notACrl();
  let i = fields[0]?.tag === INTEGER ? 1 : 0;
  const [tbsAlg, issuer, thisUpdate] = [fields[i], fields[i + 1], fields[i + 2]];
  i += 3;
  if (tbsAlg?.tag !== SEQUENCE || issuer?.tag !== SEQUENCE || !isTime(thisUpdate)) throw notACrl();
  const nextUpdate = isTime(fields[i]) ? fields[i++] : undefined;
  const revokedList = fields[i]?.tag === SEQUENCE ? fields[i] : undefined;

  let algorithm: string;
  let tbsAlgorithm: string;
  let issuerKey: string;
  let dates: { thisUpdate: Date; nextUpdate: Date | undefined };
  try {
    algorithm = AsnConvert.parse(slice(der, alg), AlgorithmIdentifier).algorithm;
    tbsAlgorithm = AsnConvert.parse(slice(der, tbsAlg), AlgorithmIdentifier).algorithm;
    issuerKey = Buffer.from(
      AsnConvert.serialize(AsnConvert.parse(slice(der, issuer), Name)),
    ).toString('hex');
    dates = {
      thisUpdate: timeOf(der, thisUpdate!),
      nextUpdate: nextUpdate === undefined ? undefined : timeOf(der, nextUpdate),
    };
  } catch {
    throw notACrl();
  }
  const digest = SIGNATURE_DIGESTS[algorithm];
  if (digest === undefined || tbsAlgorithm !== algorithm) {
    throw new KeyError('CRL_UNREADABLE', `${name}: unsupported signature algorithm`);
  }
  // The signed bytes exactly as they arrived.
  const signed = der.subarray(tbs.start, tbs.end);
  const signature = der.subarray(sig.body + 1, sig.end);
  const issuerCa = cas.find(
    (ca, k) =>
      subjects[k] === issuerKey && verifySignature(digest, signed, ca.publicKey, signature),
  );
  if (issuerCa === undefined) {
    throw new KeyError('CRL_SIGNATURE_INVALID', `${name}: not signed by a CA in the bundle`);
  }
  const revoked = new Set<string>();
  if (revokedList !== undefined) {
    // Signed by the CA, so well-formed in practice; every length is still checked.
    for (let at = revokedList.body; at < revokedList.end; ) {
      const entry = tlv(der, at, revokedList.end);
      if (entry === null || entry.tag !== SEQUENCE) throw notACrl();
      const serial = tlv(der, entry.body, entry.end);
      if (serial === null || serial.tag !== INTEGER || serial.end === serial.body) throw notACrl();
      revoked.add(canonicalSerial(der.toString('hex', serial.body, serial.end)));
      at = entry.end;
    }
  }
  return {
    issuerKey,
    issuer: issuerCa.subject.split('\n').join(', '),
    thisUpdate: dates.thisUpdate,
    nextUpdate: dates.nextUpdate,
    revoked,
    pem: toPem('X509 CRL', der),
  };
}

function isTime(t: Tlv | undefined): t is Tlv {
  return t !== undefined && (t.tag === UTC_TIME || t.tag === GENERALIZED_TIME);
}

function slice(der: Buffer, t: Tlv): Uint8Array {
  return new Uint8Array(der.subarray(t.start, t.end));
}

function timeOf(der: Buffer, t: Tlv): Date {
  const date = AsnConvert.parse(slice(der, t), Time).getTime();
  if (Number.isNaN(date.getTime())) throw new Error('bad time');
  return date;
}

/** DER of a CA certificate's subject Name, hex. */
function issuerKeyOfSubject(ca: X509Certificate): string {
  const cert = AsnConvert.parse(ca.raw, Certificate);
  return Buffer.from(AsnConvert.serialize(cert.tbsCertificate.subject)).toString('hex');
}
