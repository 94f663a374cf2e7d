/**
 * Device identity on the content listener: TLS client certificates that chain to the MDM's
 * device-identity CA (`clientCa`), optionally checked against its CRLs (`clientCrl`).
 *
 * The handshake asks for a certificate but never fails for a missing or bad one (`requestCert`,
 * `rejectUnauthorized: false`): OpenSSL verifies the chain against `clientCa` only (never the
 * system store), the validity period, the TLS-client purpose (key usage and extended key usage
 * where the certificate names them) and the CRLs, and each request decides with that result. So
 * a refusal is a coded HTTP answer, `token-or-client-cert` can fall back to a token, and health
 * checks without a certificate still work. Each request checks the leaf's validity and
 * revocation again, against the clock and the CRLs loaded now, so a keep-alive connection held
 * past a certificate's expiry, or past a CRL reload that revokes it, is refused too.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ClientCertificateIdentity } from '../contracts/client-certificate.js';
import { canonicalSerial, issuerKeyOf, readVerifiedCrls, type VerifiedCrl } from '../keys/crl.js';
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

/** The CA bundle and CRLs, read and checked: what the TLS context and the gate use. */
export interface ClientAuthMaterial {
  /** PEM of each CA certificate, for the TLS context's `ca`. */
  ca: string[];
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

/**
 * Reads the CA bundle and the CRL file and checks them: every certificate in the bundle is a CA
 * (basicConstraints CA:TRUE), every CRL is signed by one of them.
 * @throws ServeError CONFIG_INVALID naming the setting (never the path or file contents).
 */
export function readClientAuth(clientCa: string, clientCrl: string | null): ClientAuthMaterial {
  const cas = readCaBundle(clientCa);
  let crls: VerifiedCrl[] = [];
  if (clientCrl !== null) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(clientCrl);
    } catch (cause) {
      throw invalid('clientCrl', 'cannot read the CRL file', cause);
    }
    try {
      crls = readVerifiedCrls(bytes, cas, 'clientCrl');
    } catch (cause) {
      // "clientCrl (list 2): not signed by a CA in the bundle: <registry text>"
      const detail = (cause as Error).message.replace(/^clientCrl ?/, '');
      throw invalid('clientCrl', detail, cause);
    }
  }
  const crlsByIssuer = new Map<string, VerifiedCrl[]>();
  for (const crl of crls) {
    crlsByIssuer.set(crl.issuerKey, [...(crlsByIssuer.get(crl.issuerKey) ?? []), crl]);
  }
  const now = Date.now();
  return {
    ca: cas.map((c) => c.toString()),
    crl: crls.map((c) => c.pem),
    crlsByIssuer,
    stale: crls.filter((c) => c.nextUpdate !== undefined && c.nextUpdate.getTime() < now),
  };
}

function readCaBundle(file: string): X509Certificate[] {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (cause) {
    throw invalid('clientCa', 'cannot read the CA bundle', cause);
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
      notBefore: number;
      notAfter: number;
      issuerKey: string;
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
      peer = inspectPeer(tls);
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
    if (nowMs < peer.notBefore)
      return { status: 'refused', code: 'CLIENT_CERT_NOT_YET_VALID', identity };
    if (nowMs > peer.notAfter) return { status: 'refused', code: 'CLIENT_CERT_EXPIRED', identity };
    const code = this.#revocation(peer.issuerKey, identity.serialNumber, nowMs);
    return code === null ? { status: 'ok', identity } : { status: 'refused', code, identity };
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

function inspectPeer(tls: TLSSocket): PeerState {
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
      subject: oneLine(peer.subject),
      serialNumber: canonicalSerial(peer.serialNumber),
      issuer: oneLine(peer.issuer),
    };
    issuerKey = issuerKeyOf(peer.raw);
  } catch {
    return { kind: 'refused', result: { status: 'refused', code: 'CLIENT_CERT_UNTRUSTED' } };
  }
  if (!tls.authorized) {
    const reason = tls.authorizationError as unknown;
    const name = typeof reason === 'string' ? reason : String((reason as { code?: unknown })?.code);
    const code = HANDSHAKE_CODES[name] ?? 'CLIENT_CERT_UNTRUSTED';
    // Otherwise the chain may not have verified: nothing in it is trustworthy enough to record.
    const revokedAs = code === 'CLIENT_CERT_REVOKED' ? { revokedAs: { identity, issuerKey } } : {};
    return { kind: 'refused', result: { status: 'refused', code }, ...revokedAs };
  }
  return {
    kind: 'verified',
    identity,
    notBefore: Date.parse(peer.validFrom),
    notAfter: Date.parse(peer.validTo),
    issuerKey,
  };
}

/** Node prints a name one attribute per line; the audit keeps it on one. */
function oneLine(name: string): string {
  return name.split('\n').join(', ');
}
