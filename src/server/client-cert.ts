/**
 * Device identity on the content listener: TLS client certificates that chain to the MDM's
 * device-identity CA (`clientCa`), optionally checked against its CRLs (`clientCrl`).
 *
 * The handshake asks for a certificate but never fails for a missing or bad one (`requestCert`,
 * `rejectUnauthorized: false`): OpenSSL verifies the chain against `clientCa` only (never the
 * system store), the validity period, the TLS-client purpose (key usage and extended key usage
 * where the certificate names them) and the CRLs, and each request decides with that result. So
 * a refusal is a coded HTTP answer, `token-or-client-cert` can fall back to a token, and health
 * checks without a certificate still work. Each request checks the whole chain again — every
 * certificate's validity period, and every non-root certificate against its issuer's CRL loaded
 * now, which must be current — so a keep-alive connection held past the expiry of the device or
 * of an intermediate CA, past a CRL reload that revokes either, or past a CRL's nextUpdate, is
 * refused too. The chain is rebuilt once per connection; a request costs a few set lookups.
 */
import { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { ClientCertificateIdentity } from '../contracts/client-certificate.js';
import {
  canonicalSerial,
  issuerKeyOf,
  MAX_CRL_FILE_BYTES,
  readVerifiedCrls,
  type VerifiedCrl,
} from '../keys/crl.js';
import { KeyError } from '../keys/errors.js';
import { RegularFileError, readRegularFileSync } from '../keys/files.js';
import { findPemBlocks } from '../keys/pem.js';
import { ServeError } from './errors.js';

/** The refusal codes of a client certificate. */
export type ClientCertCode =
  | 'CLIENT_CERT_REQUIRED'
  | 'CLIENT_CERT_UNTRUSTED'
  | 'CLIENT_CERT_EXPIRED'
  | 'CLIENT_CERT_NOT_YET_VALID'
  | 'CLIENT_CERT_REVOKED'
  | 'CLIENT_CERT_REVOCATION_UNKNOWN';

/** A request's certificate: none presented, verified, or refused with a code. */
export type CertCheck =
  | { status: 'none' }
  | { status: 'ok'; identity: ClientCertificateIdentity }
  | {
      status: 'refused';
      code: ClientCertCode;
      /** Only for a certificate whose chain verified (expired or revoked since the handshake). */
      identity?: ClientCertificateIdentity;
    };

/**
 * The CA bundle and CRLs as read and checked, in a form a worker thread can hand over
 * (structured clone): what {@link clientAuthMaterial} turns into the material.
 */
export interface ClientAuthData {
  /** PEM of each CA certificate, for the TLS context's `ca`. */
  ca: string[];
  /** The CRLs, each verified against its CA (empty: no revocation checks). */
  crls: VerifiedCrl[];
}

/** The CA bundle and CRLs, read and checked: what the TLS context and the gate use. */
export interface ClientAuthMaterial {
  /** PEM of each CA certificate, for the TLS context's `ca`. */
  ca: string[];
  /** The CA certificates, to rebuild each connection's chain. */
  caCerts: readonly X509Certificate[];
  /** PEM of each CRL, for the TLS context's `crl` (empty: no revocation checks). */
  crl: string[];
  /** Verified CRLs by the DER of their issuer's name. */
  crlsByIssuer: ReadonlyMap<string, readonly VerifiedCrl[]>;
  /** Lists whose nextUpdate has passed when they were read (a warning at start and reload). */
  stale: readonly VerifiedCrl[];
}

/** OpenSSL verification results (as node:tls names them) → refusal codes; the rest are UNTRUSTED. */
const HANDSHAKE_CODES: Readonly<Record<string, ClientCertCode>> = {
  CERT_HAS_EXPIRED: 'CLIENT_CERT_EXPIRED',
  CERT_NOT_YET_VALID: 'CLIENT_CERT_NOT_YET_VALID',
  CERT_REVOKED: 'CLIENT_CERT_REVOKED',
  UNABLE_TO_GET_CRL: 'CLIENT_CERT_REVOCATION_UNKNOWN',
  CRL_HAS_EXPIRED: 'CLIENT_CERT_REVOCATION_UNKNOWN',
  CRL_NOT_YET_VALID: 'CLIENT_CERT_REVOCATION_UNKNOWN',
  CRL_SIGNATURE_FAILURE: 'CLIENT_CERT_REVOCATION_UNKNOWN',
  UNABLE_TO_DECRYPT_CRL_SIGNATURE: 'CLIENT_CERT_REVOCATION_UNKNOWN',
  ERROR_IN_CRL_LAST_UPDATE_FIELD: 'CLIENT_CERT_REVOCATION_UNKNOWN',
  ERROR_IN_CRL_NEXT_UPDATE_FIELD: 'CLIENT_CERT_REVOCATION_UNKNOWN',
};

/** Most CA certificates one bundle may hold. */
const MAX_CAS = 100;

const invalid = (setting: string, why: string, cause?: unknown) =>
  new ServeError(
    'CONFIG_INVALID',
    `portcullis: invalid setting "${setting}": ${why}`,
    cause === undefined ? undefined : { cause },
  );

/** Largest CA bundle read (100 certificates of a few KiB each). */
const MAX_CA_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Reads the CA bundle and the CRL file and checks them: every certificate in the bundle is a CA
 * (basicConstraints CA:TRUE), every CRL is signed by one of them.
 * @throws ServeError CONFIG_INVALID naming the setting (never the path or file contents).
 */
export function readClientAuth(clientCa: string, clientCrl: string | null): ClientAuthMaterial {
  return clientAuthMaterial(readClientAuthData(clientCa, clientCrl));
}

/**
 * What {@link readClientAuth} reads, before it is indexed: the part that runs in a worker thread
 * on reload (a CRL of 200,000 entries takes a quarter of a second to check and read).
 * @throws ServeError CONFIG_INVALID naming the setting (never the path or file contents); its
 *   cause is the KeyError (CRL_TOO_LARGE, CRL_SIGNATURE_INVALID, CRL_UNREADABLE) or file error.
 */
export function readClientAuthData(clientCa: string, clientCrl: string | null): ClientAuthData {
  const cas = readCaBundle(clientCa);
  let crls: VerifiedCrl[] = [];
  if (clientCrl !== null) {
    let bytes: Buffer;
    try {
      bytes = readRegularFileSync(clientCrl, MAX_CRL_FILE_BYTES);
    } catch (cause) {
      if (cause instanceof RegularFileError && cause.reason === 'too-large') {
        const tooLarge = new KeyError('CRL_TOO_LARGE', 'the CRL file', { cause });
        throw invalid('clientCrl', `CRL_TOO_LARGE: ${tooLarge.message}`, tooLarge);
      }
      throw invalid('clientCrl', `cannot read the CRL file: ${(cause as Error).message}`, cause);
    }
    try {
      crls = readVerifiedCrls(bytes, cas, 'clientCrl');
    } catch (cause) {
      // "CRL_SIGNATURE_INVALID: (list 2): not signed by a CA in the bundle"
      const detail = (cause as Error).message.replace(/^clientCrl ?/, '');
      const code = cause instanceof KeyError ? `${cause.code}: ` : '';
      throw invalid('clientCrl', `${code}${detail}`, cause);
    }
  }
  return { ca: cas.map((c) => c.toString()), crls };
}

/** Indexes read client-auth data by issuer (fast: no parsing besides the CA certificates). */
export function clientAuthMaterial(data: ClientAuthData): ClientAuthMaterial {
  const crlsByIssuer = new Map<string, VerifiedCrl[]>();
  for (const crl of data.crls) {
    crlsByIssuer.set(crl.issuerKey, [...(crlsByIssuer.get(crl.issuerKey) ?? []), crl]);
  }
  const now = Date.now();
  return {
    ca: data.ca,
    caCerts: data.ca.map((pem) => new X509Certificate(pem)),
    crl: data.crls.map((c) => c.pem),
    crlsByIssuer,
    stale: data.crls.filter((c) => c.nextUpdate !== undefined && c.nextUpdate.getTime() < now),
  };
}

function readCaBundle(file: string): X509Certificate[] {
  let text: string;
  try {
    text = readRegularFileSync(file, MAX_CA_FILE_BYTES).toString('latin1');
  } catch (cause) {
    throw invalid('clientCa', `cannot read the CA bundle: ${(cause as Error).message}`, cause);
  }
  let certs: X509Certificate[];
  try {
    certs = findPemBlocks(text)
      .filter((b) => b.label === 'CERTIFICATE')
      .map((b) => new X509Certificate(b.der));
  } catch (cause) {
    throw invalid('clientCa', 'the CA bundle holds a damaged PEM certificate', cause);
  }
  if (certs.length === 0) throw invalid('clientCa', 'the CA bundle holds no PEM certificate');
  if (certs.length > MAX_CAS) throw invalid('clientCa', `more than ${MAX_CAS} certificates`);
  const notCa = certs.findIndex((c) => !c.ca);
  if (notCa >= 0) {
    throw invalid(
      'clientCa',
      `certificate ${notCa + 1} of the bundle is not a CA certificate (basicConstraints CA:TRUE); give the CA that issues device identities, not a device certificate`,
    );
  }
  return certs;
}

/** One certificate of a verified chain, as the per-request check needs it. */
interface ChainLink {
  serial: string;
  /** DER of its issuer's name, hex: which CRLs cover it. */
  issuerKey: string;
  notBefore: number;
  notAfter: number;
  /** The self-signed trust anchor: its dates are checked, no CRL covers it. */
  anchor: boolean;
}

/** Longest chain rebuilt (device, intermediates, root). */
const MAX_CHAIN = 8;

/** What one connection's handshake established (computed once per connection). */
type PeerState =
  | { kind: 'none' }
  | {
      kind: 'refused';
      result: CertCheck & { status: 'refused' };
      /** Who a certificate refused as revoked in the handshake says it is (see `check`). */
      revokedAs?: { identity: ClientCertificateIdentity; issuerKey: string };
    }
  | {
      kind: 'verified';
      identity: ClientCertificateIdentity;
      /** Leaf first, then each issuer up to the trust anchor. */
      chain: readonly ChainLink[];
    };

/** Decides, per request, what the connection's client certificate is worth. */
export class ClientCertGate {
  #material: ClientAuthMaterial;
  readonly #peers = new WeakMap<TLSSocket, PeerState>();

  constructor(material: ClientAuthMaterial) {
    this.#material = material;
  }

  /** Uses new CRLs from the next request on (the TLS context is swapped by the caller). */
  update(material: ClientAuthMaterial): void {
    this.#material = material;
  }

  /** The certificate of the connection `socket` at `nowMs`. Never throws for client input. */
  check(socket: Socket, nowMs: number): CertCheck {
    const tls = socket as TLSSocket;
    if (typeof tls.getPeerX509Certificate !== 'function') return NONE;
    let peer = this.#peers.get(tls);
    if (peer === undefined) {
      peer = inspectPeer(tls, this.#material.caCerts);
      this.#peers.set(tls, peer);
    }
    if (peer.kind === 'none') return NONE;
    if (peer.kind === 'refused') {
      // OpenSSL reports the last failed check, and the signature and validity checks run after
      // the revocation check: CERT_REVOKED as the verdict means the chain otherwise verified.
      // Recorded only when a CRL we verified lists this issuer and serial, too.
      const r = peer.revokedAs;
      if (r !== undefined && this.#listed(r.issuerKey, r.identity.serialNumber)) {
        return { ...peer.result, identity: r.identity };
      }
      return peer.result;
    }
    const { identity } = peer;
    // Every certificate of the chain, as OpenSSL checked it in the handshake (CRL_CHECK_ALL),
    // against the clock and the lists loaded now. The first failure in chain order decides.
    for (const link of peer.chain) {
      if (nowMs < link.notBefore)
        return { status: 'refused', code: 'CLIENT_CERT_NOT_YET_VALID', identity };
      if (nowMs > link.notAfter)
        return { status: 'refused', code: 'CLIENT_CERT_EXPIRED', identity };
      if (link.anchor) continue;
      const code = this.#revocation(link.issuerKey, link.serial, nowMs);
      if (code !== null) return { status: 'refused', code, identity };
    }
    return { status: 'ok', identity };
  }

  /** Whether a loaded CRL of that issuer lists the serial. */
  #listed(issuerKey: string, serial: string): boolean {
    return (this.#material.crlsByIssuer.get(issuerKey) ?? []).some((l) => l.revoked.has(serial));
  }

  /** REVOKED, REVOCATION_UNKNOWN (no current list from the issuer) or null, with CRLs given. */
  #revocation(issuerKey: string, serial: string, nowMs: number): ClientCertCode | null {
    const m = this.#material;
    if (m.crl.length === 0) return null;
    const lists = m.crlsByIssuer.get(issuerKey);
    if (lists === undefined) return 'CLIENT_CERT_REVOCATION_UNKNOWN';
    let current = false;
    for (const list of lists) {
      if (list.revoked.has(serial)) return 'CLIENT_CERT_REVOKED';
      if (list.nextUpdate === undefined || list.nextUpdate.getTime() >= nowMs) current = true;
    }
    // A stale list is no proof of good standing: fail closed, as OpenSSL does in the handshake.
    return current ? null : 'CLIENT_CERT_REVOCATION_UNKNOWN';
  }
}

const NONE: CertCheck = Object.freeze({ status: 'none' });

const UNTRUSTED: PeerState = {
  kind: 'refused',
  result: { status: 'refused', code: 'CLIENT_CERT_UNTRUSTED' },
};

function inspectPeer(tls: TLSSocket, caCerts: readonly X509Certificate[]): PeerState {
  // Read first: on Node 22 the legacy chain is lost once getPeerX509Certificate() has run, and
  // on Node 24 the X509Certificate's own issuerCertificate is not filled in; either one serves.
  const legacy = legacyChain(tls);
  let peer: X509Certificate | undefined;
  try {
    peer = tls.getPeerX509Certificate();
  } catch {
    peer = undefined;
  }
  if (peer === undefined) return { kind: 'none' };
  let identity: ClientCertificateIdentity;
  let issuerKey: string;
  try {
    identity = {
      subject: printableName(peer.subject),
      serialNumber: canonicalSerial(peer.serialNumber),
      issuer: printableName(peer.issuer),
    };
    issuerKey = issuerKeyOf(peer.raw);
  } catch {
    return UNTRUSTED;
  }
  if (!tls.authorized) {
    const reason = tls.authorizationError as unknown;
    const name = typeof reason === 'string' ? reason : String((reason as { code?: unknown })?.code);
    const code = HANDSHAKE_CODES[name] ?? 'CLIENT_CERT_UNTRUSTED';
    // Otherwise the chain may not have verified: nothing in it is trustworthy enough to record.
    const revokedAs = code === 'CLIENT_CERT_REVOKED' ? { revokedAs: { identity, issuerKey } } : {};
    return { kind: 'refused', result: { status: 'refused', code }, ...revokedAs };
  }
  const linked = presentedChain(peer);
  const presented = linked.length > 0 ? linked : legacy;
  // OpenSSL verified a chain, so one can be rebuilt; if not, trust nothing (fail closed). Where
  // node shows none of the certificates the device sent (Node 24 exposes neither chain), an
  // intermediate that is not in the CA bundle cannot be seen: the chain is re-checked as far as
  // the bundle reaches (the leaf at least; OpenSSL checked the rest in the handshake).
  const chain = rebuildChain(peer, presented, caCerts, presented.length === 0);
  return chain === null ? UNTRUSTED : { kind: 'verified', identity, chain };
}

/** The certificates the client sent after its leaf, from node:tls's legacy detailed object. */
function legacyChain(tls: TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  try {
    const leaf = tls.getPeerCertificate(true) as DetailedPeerCertificate | undefined;
    let c = leaf?.issuerCertificate;
    while (c?.raw !== undefined && out.length < MAX_CHAIN) {
      out.push(new X509Certificate(c.raw));
      // A self-signed root is linked to itself.
      if (c.issuerCertificate === undefined || c.issuerCertificate === c) break;
      c = c.issuerCertificate;
    }
  } catch {
    // a chain that cannot be read: the CA bundle alone has to do
  }
  return out;
}

/** The certificates the client sent after its leaf (as node links them: `issuerCertificate`). */
function presentedChain(leaf: X509Certificate): X509Certificate[] {
  const out: X509Certificate[] = [];
  try {
    // node:tls's legacy getPeerCertificate(true) loses the chain once this object is made.
    for (let c = leaf.issuerCertificate; c !== undefined && out.length < MAX_CHAIN; ) {
      out.push(c);
      const next = c.issuerCertificate;
      if (next === undefined || next.raw.equals(c.raw)) break;
      c = next;
    }
  } catch {
    // a chain that cannot be read: the CA bundle alone has to do
  }
  return out;
}

/**
 * The path from `leaf` to a self-signed CA of the bundle, each issuer chosen by name and
 * signature among the bundle (first) and the presented certificates; null when there is none.
 */
function rebuildChain(
  leaf: X509Certificate,
  presented: readonly X509Certificate[],
  caCerts: readonly X509Certificate[],
  partial = false,
): ChainLink[] | null {
  const candidates = [...caCerts, ...presented];
  const links: ChainLink[] = [];
  let cert = leaf;
  try {
    for (let depth = 0; depth < MAX_CHAIN; depth++) {
      const selfSigned = cert.checkIssued(cert) && cert.verify(cert.publicKey);
      const anchor = selfSigned && caCerts.some((ca) => ca.raw.equals(cert.raw));
      links.push({
        serial: canonicalSerial(cert.serialNumber),
        issuerKey: issuerKeyOf(cert.raw),
        notBefore: Date.parse(cert.validFrom),
        notAfter: Date.parse(cert.validTo),
        anchor,
      });
      if (anchor) return links;
      if (selfSigned) return null; // a self-signed certificate outside the bundle
      const current = cert;
      const issuer = candidates.find(
        (c) =>
          c.ca &&
          !c.raw.equals(current.raw) &&
          current.checkIssued(c) &&
          current.verify(c.publicKey),
      );
      if (issuer === undefined) return partial ? links : null;
      cert = issuer;
    }
  } catch {
    return null;
  }
  return null;
}

/**
 * A certificate name as the audit and the access log record it: Node prints one attribute per
 * line, the record keeps it on one; C0 and C1 controls and the bidirectional-text controls a CA
 * may have copied from a device's request (U+202E would show "gpj.exe" as "exe.jpg") are
 * written as \uXXXX, so no viewer (console, CSV in a spreadsheet, terminal) reorders the text.
 */
export function printableName(name: string): string {
  return name
    .split('\n')
    .join(', ')
    .replace(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
      /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
    );
}
