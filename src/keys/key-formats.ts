/**
 * The encodings a key can arrive in and what reading a public key yields. Kept apart from
 * read.ts so the per-encoding readers (der.ts, ...) can name them without importing the
 * dispatcher that imports them.
 */
import type { KeyObject } from 'node:crypto';

/** How a private key was encoded. */
export type PrivateKeyFormat =
  | 'pkcs1'
  | 'pkcs8'
  | 'pkcs8-encrypted'
  | 'pkcs1-encrypted'
  | 'openssh'
  | 'jwk';
/** How a public key was encoded (private forms mean the public half was derived). */
export type PublicKeyFormat =
  | 'spki'
  | 'pkcs1-public'
  | 'x509'
  | 'jwk'
  | 'jwks'
  | 'openssh-public'
  | PrivateKeyFormat;

/** A public key read from input, with the kid its JWK carried (if any). */
export interface ReadPublicKey {
  key: KeyObject;
  kid?: string;
  format: PublicKeyFormat;
  /** Set when the input was a private key and this is its derived public half. */
  fromPrivate?: true;
  /** Why RS256 refuses this key; present only when read with `keepRefused` (inspection). */
  refusal?: Error & { code: string };
}
