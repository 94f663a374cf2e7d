/**
 * Self-signed X.509 certificates for tools that want an RSA public key wrapped in a certificate.
 * Built from @peculiar/asn1-x509 structures and signed with node:crypto: @peculiar/x509 would need
 * a global `Reflect` metadata polyfill at import time (see docs/decisions.md).
 */
import { Buffer } from 'node:buffer';
import { createHash, type KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { KeyError } from './errors.js';
import { publicKeyOf } from './export.js';
import { findPemBlocks, hasPemArmor, toPem } from './pem.js';
import { assertRs256Key } from './read.js';

/**
 * Validity of a self-signed key certificate when none is given: 3650 days (about ten years), the
 * same for `portcullis cert` and the admin API. The certificate only carries a token-signing
 * public key to systems that want one in X.509 form; it is not a TLS server certificate, so
 * Apple's 825/398-day TLS limits do not apply, and Portcullis checks tokens against the key, not
 * the certificate's dates. Rotate the key (which makes a new certificate) rather than the date.
 */
export const DEFAULT_CERTIFICATE_DAYS = 3650;

/** Options for {@link createSelfSignedCertificate}. */
export interface SelfSignedOptions {
  /** Subject and issuer common name; default `Portcullis`. 1–64 printable characters. */
  commonName?: string;
  /** Validity in days from now; default {@link DEFAULT_CERTIFICATE_DAYS}. */
  days?: number;
  /** Serial number as hex (up to 40 digits); default 16 random bytes. */
  serialNumber?: string;
  /** Start of validity; default now (truncated to the second). For tests and reproducible output. */
  notBefore?: Date;
}

/** What {@link readCertificateInfo} reports. */
export interface CertificateInfo {
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 over the certificate DER, as `openssl x509 -noout -fingerprint -sha256` prints it. */
  fingerprint: string;
  publicKey: KeyObject;
}

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const COMMON_NAME = '2.5.4.3';
const DAY_MS = 86_400_000;

/**
 * Creates a self-signed certificate (v3, sha256WithRSAEncryption, CA:false, digitalSignature)
 * for an RSA private key and returns it as PEM.
 * @example const pem = await createSelfSignedCertificate(privateKey, { commonName: 'dp.example.com' });
 */
export async function createSelfSignedCertificate(
  privateKey: KeyObject,
  opts: SelfSignedOptions = {},
): Promise<string> {
  if (privateKey.type !== 'private') throw new TypeError('a private key is needed to self-sign');
  assertRs256Key(privateKey);
  const spkiDer = publicKeyOf(privateKey).export({ type: 'spki', format: 'der' });
  const spki = AsnConvert.parse(spkiDer, SubjectPublicKeyInfo);
  const name = commonNameOf(opts.commonName ?? 'Portcullis');
  const notBefore = new Date(Math.floor((opts.notBefore ?? new Date()).getTime() / 1000) * 1000);
  const signature = new AlgorithmIdentifier({ algorithm: SHA256_WITH_RSA, parameters: null });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serialOf(opts.serialNumber),
    signature,
    issuer: name,
    validity: new Validity({
      notBefore,
      notAfter: new Date(notBefore.getTime() + daysOf(opts.days) * DAY_MS),
    }),
    subject: name,
    subjectPublicKeyInfo: spki,
    extensions: extensionsFor(spki),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signatureValue = sign('sha256', tbsDer, privateKey);
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: signature,
    signatureValue: toArrayBuffer(signatureValue),
  });
  return toPem('CERTIFICATE', new Uint8Array(AsnConvert.serialize(cert)));
}

/**
 * Reads a certificate (PEM, possibly pasted with mangled line breaks, or DER).
 * @throws KeyError CERT_UNREADABLE
 */
export function readCertificateInfo(pem: string | Uint8Array): CertificateInfo {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificateDer(pem));
  } catch (err) {
    if (err instanceof KeyError) throw err;
    throw new KeyError('CERT_UNREADABLE', undefined, { cause: err });
  }
  return {
    subject: cert.subject,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    fingerprint: cert.fingerprint256,
    publicKey: cert.publicKey,
  };
}

function certificateDer(input: string | Uint8Array): Uint8Array {
  if (typeof input !== 'string') return input;
  if (!hasPemArmor(input)) throw new KeyError('CERT_UNREADABLE', 'no PEM armor');
  const block = findPemBlocks(input).find((b) => b.label === 'CERTIFICATE');
  if (!block) throw new KeyError('CERT_UNREADABLE', 'no CERTIFICATE block');
  return block.der;
}

function commonNameOf(cn: string): Name {
  // Printable, no control characters: the CN is shown in admin UIs and openssl output.
  if (typeof cn !== 'string' || cn.length < 1 || cn.length > 64 || hasControlCharacter(cn)) {
    throw new TypeError('commonName must be 1-64 characters without control characters');
  }
  const cnAttribute = new AttributeTypeAndValue({
    type: COMMON_NAME,
    value: new AttributeValue({ utf8String: cn }),
  });
  return new Name([new RelativeDistinguishedName([cnAttribute])]);
}

function hasControlCharacter(text: string): boolean {
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function daysOf(days: number | undefined): number {
  const value = days ?? DEFAULT_CERTIFICATE_DAYS;
  if (!Number.isInteger(value) || value < 1 || value > 36_500) {
    throw new TypeError('days must be an integer from 1 to 36500');
  }
  return value;
}

function serialOf(hex: string | undefined): ArrayBuffer {
  let bytes: Buffer;
  if (hex === undefined) {
    bytes = randomBytes(16);
    // Positive and minimally encoded: top bit clear, first byte non-zero.
    bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  } else {
    const digits = hex.replace(/^0x/i, '').replace(/:/g, '');
    if (!/^[0-9a-fA-F]{1,40}$/.test(digits) || /^0+$/.test(digits)) {
      throw new TypeError('serialNumber must be 1-40 hex digits and not zero');
    }
    const trimmed = digits.replace(/^0+/, '');
    bytes = Buffer.from(trimmed.length % 2 ? `0${trimmed}` : trimmed, 'hex');
    if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  }
  return toArrayBuffer(bytes);
}

function extensionsFor(spki: SubjectPublicKeyInfo): Extensions {
  // RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING contents.
  const ski = createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest();
  const extension = (extnID: string, critical: boolean, value: unknown): Extension =>
    new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
  return new Extensions([
    extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })),
    extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)),
    extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(toArrayBuffer(ski))),
  ]);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
