/** What the rest of the product may know about a verified token. */

/** Who a verified token is, as far as logs and the audit trail may tell. */
export interface TokenIdentity {
  /** Short sha256 fingerprint of the token (never the token). */
  fingerprint: string;
  keyLabel: string | undefined;
  kid: string | undefined;
  /** The JWT configuration whose key verified the token (store-backed keys only). */
  configurationId: string | undefined;
}
