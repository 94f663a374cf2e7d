/**
 * Turning key input (uploaded in any form the key reader takes, or generated) into the stored parts of
 * a JWT configuration, and a stored record into its API view. The private key leaves this module
 * only as ciphertext; views carry public material only.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createSelfSignedCertificate, DEFAULT_CERTIFICATE_DAYS } from '../keys/certificate.js';
import { exportPrivateKeyPem, exportPublicKeyPem } from '../keys/export.js';
import { keyFingerprint } from '../keys/fingerprint.js';
import { generateRsaKeyPair } from '../keys/generate.js';
import { jwkThumbprint, publicJwk, type RsaPublicJwk } from '../keys/jwk.js';
import { readPrivateKey } from '../keys/read.js';
import { encryptSecret } from '../store/secret.js';
import type { JwtConfigurationRecord } from '../store/types.js';
import { formatDuration } from '../token/duration.js';

/** Where a configuration key comes from. */
export type KeyMaterialInput =
  | { pem: string | Uint8Array; passphrase?: string | undefined }
  | { generate: { bits: 2048 | 3072 | 4096 } };

/** The key-derived columns of a configuration record. */
export type KeyColumns = Pick<
  JwtConfigurationRecord,
  'privateKeyCiphertext' | 'publicKeyPem' | 'kid' | 'fingerprint' | 'keyBits' | 'certificatePem'
>;

/** Reads or generates the private key; refusals are KEY_* errors from src/keys. */
export async function privateKeyFrom(input: KeyMaterialInput): Promise<KeyObject> {
  if ('generate' in input) return (await generateRsaKeyPair(input.generate.bits)).privateKey;
  const opts = input.passphrase === undefined ? {} : { passphrase: input.passphrase };
  return readPrivateKey(input.pem, opts).key;
}

/** Validity of the certificate published for a configuration: the one default `portcullis cert` uses too. */
export const CERTIFICATE_DAYS = DEFAULT_CERTIFICATE_DAYS;

// Control characters are refused by the certificate builder; the CN is cosmetic, so clean it.
function commonName(displayName: string): string {
  const cleaned = [...displayName]
    .filter((c) => c >= ' ' && c !== '\u007f')
    .join('')
    .trim()
    .slice(0, 64);
  return cleaned || 'Portcullis';
}

/** Computes every key column for configuration `id`; the private key is encrypted to that id. */
export async function keyColumns(
  id: string,
  displayName: string,
  privateKey: KeyObject,
  secret: Uint8Array,
): Promise<KeyColumns> {
  const certificatePem = await createSelfSignedCertificate(privateKey, {
    commonName: commonName(displayName),
    days: CERTIFICATE_DAYS,
  });
  return {
    // PKCS#8 at rest: node reads it without knowing the original upload format.
    privateKeyCiphertext: encryptSecret(
      secret,
      exportPrivateKeyPem(privateKey, 'pkcs8'),
      `configuration:${id}`,
    ),
    publicKeyPem: exportPublicKeyPem(privateKey),
    kid: jwkThumbprint(privateKey),
    fingerprint: keyFingerprint(privateKey),
    keyBits: privateKey.asymmetricKeyDetails?.modulusLength ?? 0,
    certificatePem,
  };
}

/** API view of a configuration. */
export interface ConfigurationViewData {
  id: string;
  displayName: string;
  fingerprint: string;
  kid: string;
  keyBits: number;
  publicKeyPem: string;
  jwk: RsaPublicJwk;
  certificatePem: string | null;
  tokenExpiry: string;
  tokenExpirySeconds: number;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  rotatedAt: string | null;
  createdBy: string | null;
  /** True for the "Default" configuration the zero-config start created. */
  zeroConfig: boolean;
}

/** The public view of a record (no private key, no ciphertext). */
export function configurationView(
  r: JwtConfigurationRecord,
  zeroConfigId: string | null,
): ConfigurationViewData {
  return {
    id: r.id,
    displayName: r.displayName,
    fingerprint: r.fingerprint,
    kid: r.kid,
    keyBits: r.keyBits,
    publicKeyPem: r.publicKeyPem,
    jwk: publicJwk(createPublicKey(r.publicKeyPem), { kid: r.kid }),
    certificatePem: r.certificatePem,
    tokenExpiry: formatDuration(r.tokenExpirySeconds),
    tokenExpirySeconds: r.tokenExpirySeconds,
    enabled: r.enabled,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    rotatedAt: r.rotatedAt,
    createdBy: r.createdBy,
    zeroConfig: r.id === zeroConfigId,
  };
}
