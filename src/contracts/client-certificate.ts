/** What the rest of the product may know about a verified TLS client certificate. */

/**
 * A device identity certificate that chained to the listener's client CA, as logs and the
 * audit trail may tell it (never the certificate itself).
 */
export interface ClientCertificateIdentity {
  /** Subject distinguished name, one line (`CN=…, O=…`). */
  subject: string;
  /** Serial number, upper-case hex without leading zeros. */
  serialNumber: string;
  /** Issuer distinguished name, one line. */
  issuer: string;
}
