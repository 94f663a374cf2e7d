/** RSA key generation with the parameters Jamf Pro uses (`openssl genrsa 2048`: e = 65537). */
import { generateKeyPair, type KeyObject } from 'node:crypto';

/** Key sizes Portcullis generates; 2048 matches Jamf Pro's instructions. */
export const RSA_KEY_SIZES = [2048, 3072, 4096] as const;

/**
 * Generates an RSA key pair (public exponent 65537) off the main thread.
 * @example const { privateKey } = await generateRsaKeyPair();
 */
export function generateRsaKeyPair(
  bits: 2048 | 3072 | 4096 = 2048,
): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  if (!(RSA_KEY_SIZES as readonly number[]).includes(bits)) {
    return Promise.reject(new TypeError(`RSA key size must be 2048, 3072 or 4096, not ${bits}`));
  }
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      { modulusLength: bits, publicExponent: 0x10001 },
      (err, publicKey, privateKey) => (err ? reject(err) : resolve({ privateKey, publicKey })),
    );
  });
}
