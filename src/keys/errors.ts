/**
 * Key refusal codes. One table maps each code to its HTTP status, a default message and a remedy;
 * docs/keys.md mirrors it (test/keys/errors.test.ts keeps them in step). Messages describe the
 * problem and what to do; they never contain key material, a passphrase or an absolute path.
 */
import type { CodedErrorOptions, ErrorEntry } from '../errors/base.js';
import { codedErrorClass, defineErrors } from '../errors/define.js';

/** Registry entry shape shared by every `<AREA>_ERRORS` table. */
export type KeyErrorInfo = ErrorEntry;

const MAKE_NEW =
  'generate a new one with `portcullis keygen` or `openssl genrsa -out key.pem 2048`';

/** Every reason a key, key file or certificate can be refused. */
export const KEY_ERRORS = defineErrors('keys', {
  KEY_UNREADABLE: {
    status: 400,
    message: 'The key could not be read: it is damaged, truncated or not a key.',
    remedy:
      'Copy the whole key again, including the -----BEGIN ...----- and -----END ...----- lines.',
  },
  KEY_FORMAT_UNSUPPORTED: {
    status: 400,
    message: 'This kind of key or file is not supported.',
    remedy:
      'Use a PEM (PKCS#1, PKCS#8, SPKI, certificate), an OpenSSH key, or a JWK/JWKS; see docs/keys.md.',
  },
  KEY_INPUT_TOO_LARGE: {
    status: 400,
    message: 'The key input is larger than 1 MiB; no key is that large.',
    remedy: 'Check that you chose the key file and not another file.',
  },
  KEY_PASSPHRASE_REQUIRED: {
    status: 400,
    message: 'The private key is encrypted and no passphrase was given.',
    remedy:
      'Give the passphrase: on the command line with --passphrase-file FILE (first line is the passphrase), or run in a terminal to be asked.',
  },
  KEY_PASSPHRASE_WRONG: {
    status: 400,
    message: 'The passphrase does not decrypt the private key (or the key is damaged).',
    remedy:
      'Check the passphrase; from a file only the first line is used, without its line break.',
  },
  KEY_ENCRYPTION_TOO_COSTLY: {
    status: 400,
    message:
      'The key is encrypted with an unreasonable work factor; decrypting it could take hours.',
    remedy:
      'Re-encrypt it with normal settings (openssl pkcs8 -topk8 -v2 aes-256-cbc, or ssh-keygen -p -a 16).',
  },
  KEY_PASSPHRASE_FILE_UNREADABLE: {
    status: 400,
    message: 'The passphrase file could not be read or is empty.',
    remedy: 'Point --passphrase-file at a readable file whose first line is the passphrase.',
  },
  KEY_NOT_RSA: {
    status: 400,
    message: 'The key is not an RSA key; Jamf Pro tokens are signed with RS256, which needs RSA.',
    remedy: `Use an RSA key of at least 2048 bits: ${MAKE_NEW}.`,
  },
  KEY_TOO_SMALL: {
    status: 400,
    message: 'The RSA key is smaller than 2048 bits, which is too weak.',
    remedy: `Replace it: ${MAKE_NEW}.`,
  },
  KEY_TOO_LARGE: {
    status: 400,
    message: 'The RSA key is larger than 8192 bits; verifying with it would be needlessly slow.',
    remedy: `Use a 2048-, 3072- or 4096-bit key: ${MAKE_NEW}.`,
  },
  KEY_INVALID: {
    status: 400,
    message: 'The RSA key has an invalid public exponent.',
    remedy: `Replace it: ${MAKE_NEW}.`,
  },
  KEY_NOT_PRIVATE: {
    status: 400,
    message: 'This is a public key or certificate, but a private key is needed here.',
    remedy: 'Use the private key file (for example the one made by `portcullis keygen`).',
  },
  KEY_AMBIGUOUS: {
    status: 400,
    message: 'The input holds more than one private key.',
    remedy: 'Put exactly one private key in the file.',
  },
  KEY_JWK_INVALID: {
    status: 400,
    message: 'The JWK or JWKS is not valid for RS256 signatures.',
    remedy:
      'Each key needs kty "RSA", n and e; alg, if present, must be RS256 and use, if present, sig.',
  },
  KEY_KID_CONFLICT: {
    status: 400,
    message: 'Two different keys share the same key ID (kid).',
    remedy:
      'Give each key its own kid, or leave kid out so Portcullis uses the RFC 7638 thumbprint.',
  },
  KEY_FILE_NOT_FOUND: {
    status: 400,
    message: 'The key file does not exist.',
    remedy: 'Check the path; relative paths are resolved from the current directory.',
  },
  KEY_FILE_UNREADABLE: {
    status: 400,
    message: 'The key file could not be read.',
    remedy: 'Check that it is a regular file and that this user may read it.',
  },
  KEY_FILE_EXISTS: {
    status: 409,
    message: 'The output file already exists; it was left unchanged.',
    remedy: 'Choose another output path, or replace the file on purpose (CLI: --force).',
  },
  KEY_FILE_UNWRITABLE: {
    status: 400,
    message: 'The output file could not be written.',
    remedy: 'Check that the directory exists and that this user may write to it.',
  },
  CERT_UNREADABLE: {
    status: 400,
    message: 'The certificate could not be read.',
    remedy: 'Use a PEM certificate (-----BEGIN CERTIFICATE-----) or DER bytes.',
  },
  CRL_UNREADABLE: {
    status: 400,
    message: 'The certificate revocation list could not be read or is not signed by a given CA.',
    remedy:
      'Use the CRL as the CA publishes it (PEM -----BEGIN X509 CRL----- or DER), issued and signed by a CA in the --client-ca bundle.',
  },
  CRL_SIGNATURE_INVALID: {
    status: 400,
    message:
      'The certificate revocation list is not signed by a CA of the bundle (another CA, or the list was altered).',
    remedy:
      'Use the CRL as the CA publishes it, and put the CA that signs it (its issuer) in the --client-ca bundle.',
  },
  CRL_TOO_LARGE: {
    status: 400,
    message:
      'The certificate revocation list file is larger than 64 MiB (about a million entries).',
    remedy:
      "Check that the file is the CA's CRL; a larger list has to be split by the CA (partitioned CRLs).",
  },
});

/** A stable key error code. */
export type KeyErrorCode = keyof typeof KEY_ERRORS;

/**
 * Refusal of a key, key file or certificate; `code` is one of {@link KEY_ERRORS}. `detail` is a
 * short prefix such as a file name as the user typed it or a JWK kid — never key material.
 * The remedy is part of the message so a one-line CLI error already says what to do.
 */
export class KeyError extends codedErrorClass(KEY_ERRORS, 'cli') {
  /** The short prefix given at construction (file name, kid, form), if any. */
  readonly detail: string | undefined;

  constructor(code: KeyErrorCode, detail?: string, options?: CodedErrorOptions) {
    super(code, detail, options);
    this.detail = detail;
  }

  /** The stable code, typed. */
  get keyCode(): KeyErrorCode {
    return this.code;
  }

  /** The same refusal with `prefix` (e.g. a file name) in front of the detail. */
  withPrefix(prefix: string): KeyError {
    const detail = this.detail ? `${prefix}: ${this.detail}` : prefix;
    return new KeyError(
      this.keyCode,
      detail,
      this.cause === undefined ? undefined : { cause: this.cause },
    );
  }
}
